import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

/** True for the first claim of a key; false when it was already used (a re-posted form). */
export async function claimFormSubmission(db: Kysely<DB>, key: string, accountId: string, at: number): Promise<boolean> {
  const result = await db
    .insertInto('form_submissions')
    .values({ key, account_id: accountId, at })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function pruneFormSubmissions(db: Kysely<DB>, before: number): Promise<void> {
  await db.deleteFrom('form_submissions').where('at', '<', before).execute();
}
