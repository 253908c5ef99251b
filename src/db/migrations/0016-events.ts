import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { autoIncrementId } from './column-types.js';

/**
 * Events for the provider's backend (docs/events.md): written in the same transaction as the
 * change that caused them (an outbox), numbered by `seq` in commit order (writers take a lock on
 * PostgreSQL, src/db/repositories/events-repository.ts), read oldest first by cursor through the
 * API and delivered to webhook endpoints. `customer_key` (the idpId, or '' for account-wide events)
 * is what deliveries keep in order.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('seq', autoIncrementId(dialect), (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('customer_key', 'text', (c) => c.notNull())
    /** JSON of the event's data (never a secret). */
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_account_seq').on('events').columns(['account_id', 'seq']).execute();
}
