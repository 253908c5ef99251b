import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import {
  countThrottleEvents,
  deleteThrottleEvents,
  insertThrottleEvents,
  pruneThrottleEvents,
} from '../../db/repositories/throttle-repository.js';
import { AppError } from '../../errors.js';

const WINDOW_MS = 60_000;

/**
 * The throttle key of a source address. An IPv6 host usually controls a whole /64, so IPv6
 * addresses count per /64 prefix; IPv4 (also IPv4-mapped IPv6) per address.
 */
export function throttleKeyForAddress(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return `ip:${mapped[1]}`;
  if (!ip.includes(':')) return `ip:${ip}`;
  const [head = '', tail = ''] = ip.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups] : ip.split(':');
  return `ip6:${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * Limits attempts per key (a source address, a client ID, an email) to `limitPerMinute` in any
 * sliding 60 s window, shared by every instance through the database. An attempt reserves its
 * slot *before* the expensive check runs and gives it back on success, so racing requests can
 * never get more than the limit of slow-hash checks.
 */
export interface Throttle {
  /** Reserves `weight` attempts (default 1) on every key, or throws TOO_MANY_ATTEMPTS (429) naming how long to wait. */
  reserve(keys: string[], weight?: number): Promise<AttemptReservation>;
}

export interface AttemptReservation {
  /** The attempt succeeded: it does not count as a failure. */
  release(): Promise<void>;
}

export function createThrottle(deps: { db: Kysely<DB>; clock: Clock; limitPerMinute: number }): Throttle {
  const { db, clock, limitPerMinute } = deps;
  // Keys known to be blocked, so a flood of refused attempts costs no database round trip.
  const blockedUntil = new Map<string, number>();
  let lastPrune = 0;

  const refuse = (until: number, now: number) =>
    new AppError('TOO_MANY_ATTEMPTS', 'Too many failed attempts. Wait before trying again.', {
      retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)),
    });

  return {
    async reserve(keys, weight = 1) {
      const now = clock.now();
      for (const key of keys) {
        const until = blockedUntil.get(key);
        if (until !== undefined && until > now) throw refuse(until, now);
        if (until !== undefined) blockedUntil.delete(key);
      }
      const events = keys.flatMap((key) => Array.from({ length: weight }, () => ({ id: randomUUID(), key, at: now })));
      await insertThrottleEvents(db, events);
      const counts = await countThrottleEvents(db, keys, now - WINDOW_MS);
      let until = 0;
      for (const key of keys) {
        const c = counts.get(key);
        if (c && c.count > limitPerMinute) until = Math.max(until, c.oldest + WINDOW_MS);
      }
      if (until > 0) {
        await deleteThrottleEvents(db, events.map((e) => e.id));
        for (const key of keys) {
          const c = counts.get(key);
          if (c && c.count > limitPerMinute) blockedUntil.set(key, c.oldest + WINDOW_MS);
        }
        if (blockedUntil.size > 100_000) blockedUntil.clear();
        throw refuse(until, now);
      }
      if (now - lastPrune > WINDOW_MS) {
        lastPrune = now;
        await pruneThrottleEvents(db, now - WINDOW_MS);
      }
      return { release: () => deleteThrottleEvents(db, events.map((e) => e.id)) };
    },
  };
}
