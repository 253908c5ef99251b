import { sql, type Kysely } from 'kysely';

/**
 * `sign_in.failures_above_threshold` (docs/events.md) counts one connection's failed sign-ins to
 * one application since the start of a window, each time a failure is written. Partial: only
 * failure rows are in it, so successful sign-ins (the hot path) do not maintain it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('sso_events_failures')
    .on('sso_events')
    .columns(['customer_id', 'application_id', 'at'])
    .where(sql.ref('outcome'), '=', sql.lit('failure'))
    .execute();
}
