import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

/** Returns the stored value of `name`, storing `create()` first if there is none (first writer wins). */
export async function getOrCreateSetting(db: Kysely<DB>, name: string, create: () => string): Promise<string> {
  await db
    .insertInto('instance_settings')
    .values({ name, value: create() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('instance_settings').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value;
}
