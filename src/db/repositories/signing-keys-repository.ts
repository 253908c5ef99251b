import type { Kysely, Selectable } from 'kysely';
import type { DB, SigningKeysTable } from '../schema.js';

export interface SigningKeyRecord {
  id: string;
  accountId: string;
  status: 'active' | 'next' | 'retired';
  /** The PKCS#8 PEM sealed under the key-encryption key (context: signingKeyContext(id)); only the signing key service opens it. */
  sealedPrivateKey: string;
  certificatePem: string;
  notAfter: number;
  createdAt: number;
  promotedAt: number | null;
}

function toRecord(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    status: row.status,
    sealedPrivateKey: row.private_key_pem,
    certificatePem: row.certificate_pem,
    notAfter: row.not_after,
    createdAt: row.created_at,
    promotedAt: row.promoted_at,
  };
}

export async function listSigningKeys(db: Kysely<DB>, accountId: string): Promise<SigningKeyRecord[]> {
  const rows = await db.selectFrom('signing_keys').selectAll().where('account_id', '=', accountId).orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map(toRecord);
}

export async function insertSigningKey(db: Kysely<DB>, k: SigningKeyRecord): Promise<void> {
  await db
    .insertInto('signing_keys')
    .values({
      id: k.id,
      account_id: k.accountId,
      status: k.status,
      private_key_pem: k.sealedPrivateKey,
      certificate_pem: k.certificatePem,
      not_after: k.notAfter,
      created_at: k.createdAt,
      promoted_at: k.promotedAt,
    })
    .execute();
}

export async function setSigningKeyStatus(db: Kysely<DB>, accountId: string, id: string, status: SigningKeyRecord['status'], promotedAt?: number): Promise<void> {
  await db
    .updateTable('signing_keys')
    .set({ status, ...(promotedAt !== undefined && { promoted_at: promotedAt }) })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .execute();
}

export async function deleteSigningKey(db: Kysely<DB>, accountId: string, id: string): Promise<void> {
  await db.deleteFrom('signing_keys').where('account_id', '=', accountId).where('id', '=', id).execute();
}

/** Every account's active and renewal keys: what the OIDC JWKS (`/sso/as/jwks`) publishes. */
export async function listPublishedSigningKeys(db: Kysely<DB>): Promise<SigningKeyRecord[]> {
  const rows = await db.selectFrom('signing_keys').selectAll().where('status', 'in', ['active', 'next']).orderBy('created_at').orderBy('id').execute();
  return rows.map(toRecord);
}
