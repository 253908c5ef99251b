import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

export async function replaceSetupToken(
  db: Kysely<DB>,
  t: { tokenHash: string; accountId: string; createdAt: number; expiresAt: number },
): Promise<void> {
  await db.deleteFrom('setup_tokens').where('account_id', '=', t.accountId).execute();
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

/** Consumes the token; true only for the one caller that deleted it (single use under races). */
export async function consumeSetupToken(db: Kysely<DB>, tokenHash: string): Promise<boolean> {
  const result = await db.deleteFrom('setup_tokens').where('token_hash', '=', tokenHash).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
