import type { Kysely, Selectable } from 'kysely';
import type { DB, OidcClientSecretsTable } from '../schema.js';

/** One client secret of an OIDC application: its digest and hint, never the secret. */
export interface OidcClientSecretRecord {
  id: string;
  accountId: string;
  applicationId: string;
  /** 1 or 2: an application has at most two secrets, one per slot. */
  slot: 1 | 2;
  secretHash: string;
  secretHint: string;
  createdAt: number;
  lastUsedAt: number | null;
}

function toRecord(row: Selectable<OidcClientSecretsTable>): OidcClientSecretRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    applicationId: row.application_id,
    slot: row.slot === 2 ? 2 : 1,
    secretHash: row.secret_hash,
    secretHint: row.secret_hint,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export async function listOidcClientSecrets(db: Kysely<DB>, applicationId: string): Promise<OidcClientSecretRecord[]> {
  const rows = await db.selectFrom('oidc_client_secrets').selectAll().where('application_id', '=', applicationId).orderBy('slot').execute();
  return rows.map(toRecord);
}

/**
 * Inserts the secret unless its slot is already taken; false when it is. The UNIQUE
 * (application_id, slot) constraint decides between racing inserts on both databases: on
 * PostgreSQL the loser waits for the winner's commit, then does nothing.
 */
export async function insertOidcClientSecret(db: Kysely<DB>, r: OidcClientSecretRecord): Promise<boolean> {
  const result = await db
    .insertInto('oidc_client_secrets')
    .values({
      id: r.id,
      account_id: r.accountId,
      application_id: r.applicationId,
      slot: r.slot,
      secret_hash: r.secretHash,
      secret_hint: r.secretHint,
      created_at: r.createdAt,
      last_used_at: r.lastUsedAt,
    })
    .onConflict((oc) => oc.columns(['application_id', 'slot']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Deletes one secret of one application; false when there was no such secret. */
export async function deleteOidcClientSecret(db: Kysely<DB>, applicationId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('oidc_client_secrets').where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function recordOidcClientSecretUsed(db: Kysely<DB>, id: string, at: number): Promise<void> {
  await db.updateTable('oidc_client_secrets').set({ last_used_at: at }).where('id', '=', id).execute();
}
