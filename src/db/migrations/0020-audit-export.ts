import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * The audit log read oldest first by a resumable cursor (API `auditLog`, docs/api.md). An id
 * alone cannot be such a cursor on PostgreSQL: a transaction that took id 7 may commit after
 * one that took id 8 was read, and a reader past 8 would never see 7. So each event also keeps
 * the id of the transaction that wrote it (`writer_xid`); readers go in (writer_xid, id) order
 * and only up to the oldest transaction still running, below which nothing new can appear
 * (src/db/repositories/audit-repository.ts). On SQLite writers commit one at a time in id
 * order, so the column stays 0 and the order is the id's. Events written before this migration
 * keep 0 too: they are older than any transaction that can still write.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('audit_events')
    .addColumn('writer_xid', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  if (dialect === 'postgres') {
    await sql`alter table audit_events alter column writer_xid set default (pg_current_xact_id()::text::bigint)`.execute(db);
  }
  await db.schema.createIndex('audit_events_account_writer').on('audit_events').columns(['account_id', 'writer_xid', 'id']).execute();
}
