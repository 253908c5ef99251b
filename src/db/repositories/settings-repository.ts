import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

/** Stores `value` under `name`, replacing what was there. */
export async function putSetting(db: Kysely<DB>, name: string, value: string): Promise<void> {
  await db
    .insertInto('instance_settings')
    .values({ name, value })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
    .execute();
}

export async function findSetting(db: Kysely<DB>, name: string): Promise<string | undefined> {
  const row = await db.selectFrom('instance_settings').select('value').where('name', '=', name).executeTakeFirst();
  return row?.value;
}

/**
 * The public URL the last server started with. A CLI command run without PUBLIC_URL (an operator's
 * shell rarely has the server's environment) prints links with it rather than a guessed default.
 */
const SERVER_PUBLIC_URL = 'server_public_url';
export const recordServerPublicUrl = (db: Kysely<DB>, url: string): Promise<void> => putSetting(db, SERVER_PUBLIC_URL, url);
export const findServerPublicUrl = (db: Kysely<DB>): Promise<string | undefined> => findSetting(db, SERVER_PUBLIC_URL);
