import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

/**
 * Adds a setup token beside the account's others: a restart, or another instance on the same
 * database, prints a new link without voiding the ones printed before. Expired rows go.
 */
export async function insertSetupToken(
  db: Kysely<DB>,
  t: { tokenHash: string; accountId: string; createdAt: number; expiresAt: number },
): Promise<void> {
  await db.deleteFrom('setup_tokens').where('account_id', '=', t.accountId).where('expires_at', '<=', t.createdAt).execute();
  await db
    .insertInto('setup_tokens')
    .values({ token_hash: t.tokenHash, account_id: t.accountId, created_at: t.createdAt, expires_at: t.expiresAt })
    .execute();
}

export async function findLiveSetupToken(db: Kysely<DB>, tokenHash: string, now: number): Promise<{ accountId: string } | undefined> {
  const row = await db
    .selectFrom('setup_tokens')
    .select('account_id')
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row && { accountId: row.account_id };
}

/** Voids every setup link of the account at once (its first admin now exists). */
export async function deleteAccountSetupTokens(db: Kysely<DB>, accountId: string): Promise<void> {
  await db.deleteFrom('setup_tokens').where('account_id', '=', accountId).execute();
}
