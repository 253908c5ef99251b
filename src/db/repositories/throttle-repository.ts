import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

export async function insertThrottleEvents(db: Kysely<DB>, events: { id: string; key: string; at: number }[]): Promise<void> {
  if (events.length > 0) await db.insertInto('throttle_events').values(events).execute();
}

export async function deleteThrottleEvents(db: Kysely<DB>, ids: string[]): Promise<void> {
  if (ids.length > 0) await db.deleteFrom('throttle_events').where('id', 'in', ids).execute();
}

/** Moves events to another key (an attempt that was pending and has now failed). */
export async function rekeyThrottleEvents(db: Kysely<DB>, ids: string[], key: string): Promise<void> {
  if (ids.length > 0) await db.updateTable('throttle_events').set({ key }).where('id', 'in', ids).execute();
}

export interface ThrottleKeyCount {
  count: number;
  oldest: number;
  newest: number;
}

/** Per key: how many events since `since` (leaving out `excludeIds`), and the oldest and newest of them. */
export async function countThrottleEvents(
  db: Kysely<DB>,
  keys: string[],
  since: number,
  excludeIds: string[] = [],
): Promise<Map<string, ThrottleKeyCount>> {
  let query = db
    .selectFrom('throttle_events')
    .select((eb) => ['key', eb.fn.countAll<number>().as('n'), eb.fn.min('at').as('oldest'), eb.fn.max('at').as('newest')])
    .where('key', 'in', keys)
    .where('at', '>', since);
  if (excludeIds.length > 0) query = query.where('id', 'not in', excludeIds);
  const rows = await query.groupBy('key').execute();
  return new Map(rows.map((r) => [r.key, { count: Number(r.n), oldest: Number(r.oldest), newest: Number(r.newest) }]));
}

export async function pruneThrottleEvents(db: Kysely<DB>, before: number): Promise<void> {
  await db.deleteFrom('throttle_events').where('at', '<=', before).execute();
}
