import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import type { DB } from '../schema.js';

export interface EventRecord {
  seq: number;
  id: string;
  accountId: string;
  type: string;
  customerKey: string;
  data: Record<string, unknown>;
  createdAt: number;
}

/** Any constant: the lock only orders event writers among themselves. */
const EVENT_WRITERS_LOCK = 0x55_0e_7e_47;

/**
 * Inserts an event in the caller's transaction. On PostgreSQL, writers first take a transaction
 * lock, so events commit in `seq` order and a reader that has seen `seq` n never later finds a
 * smaller one committed behind it (SQLite has one writer at a time anyway). Events are rare (admin
 * changes, expiry notices, failure alerts), so serializing their writers costs nothing noticeable.
 */
export async function insertEvent(trx: Kysely<DB>, dialect: Dialect, e: Omit<EventRecord, 'seq'>): Promise<EventRecord> {
  const inserted = await insertEventUnlessIdExists(trx, dialect, e);
  if (!inserted) throw new Error(`event id ${e.id} already exists`);
  return inserted;
}

/**
 * As insertEvent, but an event whose id exists already is not written again (undefined): events
 * that must be written once per occasion (a failure alert per window) get an id derived from the
 * occasion, and the unique id decides between racing writers on every instance.
 */
export async function insertEventUnlessIdExists(trx: Kysely<DB>, dialect: Dialect, e: Omit<EventRecord, 'seq'>): Promise<EventRecord | undefined> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${EVENT_WRITERS_LOCK})`.execute(trx);
  const row = await trx
    .insertInto('events')
    .values({ id: e.id, account_id: e.accountId, type: e.type, customer_key: e.customerKey, data: JSON.stringify(e.data), created_at: e.createdAt })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('seq')
    .executeTakeFirst();
  return row && { ...e, seq: Number(row.seq) };
}

/** An account's events after `afterSeq`, oldest first. */
export async function listEventsAfter(db: Kysely<DB>, accountId: string, afterSeq: number, limit: number, types?: readonly string[]): Promise<EventRecord[]> {
  let query = db.selectFrom('events').selectAll().where('account_id', '=', accountId).where('seq', '>', afterSeq);
  if (types && types.length > 0) query = query.where('type', 'in', types);
  const rows = await query.orderBy('seq').limit(limit).execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    id: r.id,
    accountId: r.account_id,
    type: r.type,
    customerKey: r.customer_key,
    data: JSON.parse(r.data) as Record<string, unknown>,
    createdAt: r.created_at,
  }));
}
