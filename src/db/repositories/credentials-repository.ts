import type { Kysely, Selectable } from 'kysely';
import type { CredentialKind, CredentialsTable, DB } from '../schema.js';

export interface CredentialRecord {
  id: string;
  accountId: string;
  kind: CredentialKind;
  clientId: string;
  description: string;
  secretHash: string | null;
  secretHint: string | null;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
  secretUpdatedAt: number | null;
  lastUsedAt: number | null;
  applicationId: string | null;
}

function toRecord(row: Selectable<CredentialsTable>): CredentialRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    kind: row.kind,
    clientId: row.client_id,
    description: row.description,
    secretHash: row.secret_hash,
    secretHint: row.secret_hint,
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    secretUpdatedAt: row.secret_updated_at,
    lastUsedAt: row.last_used_at,
    applicationId: row.application_id,
  };
}

export async function insertCredential(db: Kysely<DB>, c: CredentialRecord): Promise<void> {
  await db
    .insertInto('credentials')
    .values({
      id: c.id,
      account_id: c.accountId,
      kind: c.kind,
      client_id: c.clientId,
      description: c.description,
      secret_hash: c.secretHash,
      secret_hint: c.secretHint,
      enabled: c.enabled ? 1 : 0,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      secret_updated_at: c.secretUpdatedAt,
      last_used_at: c.lastUsedAt,
      application_id: c.applicationId,
    })
    .execute();
}

export async function findCredentialByClientId(db: Kysely<DB>, clientId: string): Promise<CredentialRecord | undefined> {
  const row = await db.selectFrom('credentials').selectAll().where('client_id', '=', clientId).executeTakeFirst();
  return row && toRecord(row);
}

export async function findCredential(db: Kysely<DB>, accountId: string, id: string): Promise<CredentialRecord | undefined> {
  const row = await db
    .selectFrom('credentials')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toRecord(row);
}

export async function listCredentials(db: Kysely<DB>, accountId: string, kind: CredentialKind): Promise<CredentialRecord[]> {
  const rows = await db
    .selectFrom('credentials')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('kind', '=', kind)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toRecord);
}

export async function countCredentials(db: Kysely<DB>, accountId: string, kind: CredentialKind): Promise<number> {
  const row = await db
    .selectFrom('credentials')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .where('kind', '=', kind)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface CredentialPatch {
  description?: string;
  secretHash?: string;
  secretHint?: string;
  secretUpdatedAt?: number;
  enabled?: boolean;
  updatedAt: number;
}

export async function updateCredential(db: Kysely<DB>, accountId: string, id: string, patch: CredentialPatch): Promise<void> {
  await db
    .updateTable('credentials')
    .set({
      ...(patch.description !== undefined && { description: patch.description }),
      ...(patch.secretHash !== undefined && { secret_hash: patch.secretHash }),
      ...(patch.secretHint !== undefined && { secret_hint: patch.secretHint }),
      ...(patch.secretUpdatedAt !== undefined && { secret_updated_at: patch.secretUpdatedAt }),
      ...(patch.enabled !== undefined && { enabled: patch.enabled ? 1 : 0 }),
      updated_at: patch.updatedAt,
    })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .execute();
}

export async function deleteCredential(db: Kysely<DB>, accountId: string, id: string): Promise<void> {
  await db.deleteFrom('credentials').where('account_id', '=', accountId).where('id', '=', id).execute();
}

/** Writes last-used times gathered in memory; a time never moves backwards. */
export async function recordCredentialsLastUsed(db: Kysely<DB>, lastUsed: ReadonlyMap<string, number>): Promise<void> {
  for (const [id, at] of lastUsed) {
    await db
      .updateTable('credentials')
      .set({ last_used_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
      .execute();
  }
}
