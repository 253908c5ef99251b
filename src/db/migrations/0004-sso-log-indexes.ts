import type { Kysely } from 'kysely';

/**
 * The console's sign-in log reads sso_events newest first for a whole account, optionally for
 * one application; 0003's index serves only the per-customer view. The pruner deletes by age.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('sso_events_account').on('sso_events').columns(['account_id', 'id']).execute();
  await db.schema.createIndex('sso_events_application').on('sso_events').columns(['account_id', 'application_id', 'id']).execute();
  await db.schema.createIndex('sso_events_at').on('sso_events').column('at').execute();
}
