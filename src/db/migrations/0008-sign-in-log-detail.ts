import type { Kysely } from 'kysely';

/**
 * A sign-in log event's detail beside its reason (for a missing attribute: which one, and the
 * attribute names the IdP sent). Bounded by the code that writes it; never attribute values.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sso_events').addColumn('detail', 'text').execute();
}
