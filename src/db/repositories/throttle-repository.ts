import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

export async function insertThrottleEvents(db: Kysely<DB>, events: { id: string; key: string; at: number }[]): Promise<void> {
  if (events.length > 0) await db.insertInto('throttle_events').values(events).execute();
}

export async function deleteThrottleEvents(db: Kysely<DB>, ids: string[]): Promise<void> {
  if (ids.length > 0) await db.deleteFrom('throttle_events').where('id', 'in', ids).execute();
}

/** Per key: how many events since `since`, and the oldest of them. */
export async function countThrottleEvents(
  db: Kysely<DB>,
  keys: string[],
  since: number,
): Promise<Map<string, { count: number; oldest: number }>> {
  const rows = await db
    .selectFrom('throttle_events')
    .select((eb) => ['key', eb.fn.countAll<number>().as('n'), eb.fn.min('at').as('oldest')])
    .where('key', 'in', keys)
    .where('at', '>', since)
    .groupBy('key')
    .execute();
  return new Map(rows.map((r) => [r.key, { count: Number(r.n), oldest: Number(r.oldest) }]));
}

export async function pruneThrottleEvents(db: Kysely<DB>, before: number): Promise<void> {
  await db.deleteFrom('throttle_events').where('at', '<=', before).execute();
}
