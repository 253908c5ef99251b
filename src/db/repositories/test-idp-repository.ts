import type { Kysely, Selectable } from 'kysely';
import type { DB, TestIdpsTable } from '../schema.js';

/** Test user name → attribute name → value, as configured in the console. */
export type TestUserAttributes = Record<string, Record<string, string>>;

export interface TestIdpRecord {
  accountId: string;
  idpId: string;
  password: string;
  /** Sealed under the key-encryption key (context: testIdpKeyContext(accountId)); the test IdP service opens it to sign. */
  sealedPrivateKey: string;
  certificatePem: string;
  userAttributes: TestUserAttributes;
  turnedOff: boolean;
  createdAt: number;
  updatedAt: number;
}

/** The JSON column, kept only where it has the stored shape (strings all the way down). */
function parseUserAttributes(json: string): TestUserAttributes {
  const value: unknown = JSON.parse(json);
  const out: TestUserAttributes = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [user, attributes] of Object.entries(value as Record<string, unknown>)) {
    if (typeof attributes !== 'object' || attributes === null) continue;
    out[user] = Object.fromEntries(Object.entries(attributes as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }
  return out;
}

function toRecord(row: Selectable<TestIdpsTable>): TestIdpRecord {
  return {
    accountId: row.account_id,
    idpId: row.idp_id,
    password: row.password,
    sealedPrivateKey: row.private_key_pem,
    certificatePem: row.certificate_pem,
    userAttributes: parseUserAttributes(row.user_attributes),
    turnedOff: Number(row.turned_off) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export async function findTestIdp(db: Kysely<DB>, accountId: string): Promise<TestIdpRecord | undefined> {
  const row = await db.selectFrom('test_idps').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  return row && toRecord(row);
}

/** Only the idpId of the account's test connection (no key material), for the customer views. */
export async function findTestIdpIdpId(db: Kysely<DB>, accountId: string): Promise<string | undefined> {
  const row = await db.selectFrom('test_idps').select('idp_id').where('account_id', '=', accountId).executeTakeFirst();
  return row?.idp_id;
}

export async function insertTestIdp(db: Kysely<DB>, r: TestIdpRecord): Promise<void> {
  await db
    .insertInto('test_idps')
    .values({
      account_id: r.accountId,
      idp_id: r.idpId,
      password: r.password,
      private_key_pem: r.sealedPrivateKey,
      certificate_pem: r.certificatePem,
      user_attributes: JSON.stringify(r.userAttributes),
      turned_off: r.turnedOff ? 1 : 0,
      created_at: r.createdAt,
      updated_at: r.updatedAt,
    })
    .execute();
}

export async function updateTestIdp(db: Kysely<DB>, accountId: string, change: { idpId?: string; userAttributes?: TestUserAttributes; turnedOff?: boolean; updatedAt: number }): Promise<void> {
  await db
    .updateTable('test_idps')
    .set({
      ...(change.idpId !== undefined && { idp_id: change.idpId }),
      ...(change.userAttributes !== undefined && { user_attributes: JSON.stringify(change.userAttributes) }),
      ...(change.turnedOff !== undefined && { turned_off: change.turnedOff ? 1 : 0 }),
      updated_at: change.updatedAt,
    })
    .where('account_id', '=', accountId)
    .execute();
}
