import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import {
  countThrottleEvents,
  deleteThrottleEvents,
  insertThrottleEvents,
  pruneThrottleEvents,
  rekeyThrottleEvents,
  type ThrottleKeyCount,
} from '../../db/repositories/throttle-repository.js';
import { AppError } from '../../errors.js';

const WINDOW_MS = 60_000;
/**
 * A pending attempt older than this never finished (its process stopped during the check): it
 * counts as a failure when deciding whether an address is clean. A real check takes ~20 ms.
 */
const PENDING_STALE_MS = 10_000;
/** Past the ceiling, a clean address whose previous attempt is still being checked retries after this. */
const ONE_AT_A_TIME_RETRY_MS = 1_000;
/**
 * A refusal of an address already known to be blocked is held this long before it is sent, so a
 * flood from that address gets a few answers a second per connection instead of the server's time.
 */
export const REPEATED_REFUSAL_DELAY_MS = 1_000;
/** At most this many refusals are held at once; past it they are sent at once (bounded memory). */
const MAX_HELD_REFUSALS = 1_000;

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
  const groups = ip.includes('::') ? [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups] : ip.split(':');
  return `ip6:${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** Failed attempts allowed in any sliding 60 s window (docs/limits.md, docs/credentials.md). */
export interface FailureLimits {
  /** From one source address, whatever identities it tries. */
  perAddress: number;
  /** From one source address for one identity (client ID, email). */
  perIdentityAndAddress: number;
  /**
   * For one identity from all addresses together. Past it, an address that has failed for that
   * identity in the window is refused; an address that has not (a clean one) may still try, one
   * attempt at a time, so that nobody can lock out an identity they do not hold.
   */
  perIdentity: number;
}

export interface AttemptToThrottle {
  sourceIp: string;
  /** Who the attempt claims to be (a client ID, an email): one, or two when a header decodes two ways. */
  identities: readonly string[];
  /** How many slow checks the attempt may cost; each counts as one attempt. Default 1. */
  weight?: number;
}

/**
 * Limits failed authentications as OWASP recommends: per (identity, address) and per address at
 * the configured limits, plus a much higher per-identity ceiling across all addresses that never
 * refuses an address with no failures for that identity. Shared by every instance through the
 * database (a sliding log). An attempt reserves its slots *before* the slow hash runs, so racing
 * requests can never get more slow-hash checks than the limits; the caller then reports the
 * outcome: a success gives the slots back, a failure marks the (identity, address) pair as failed.
 */
export interface Throttle {
  /** Reserves the attempt, or throws TOO_MANY_ATTEMPTS (429) naming how long to wait. */
  reserve(attempt: AttemptToThrottle): Promise<AttemptReservation>;
}

export interface AttemptReservation {
  /** The attempt succeeded: it does not count as a failure. */
  succeeded(): Promise<void>;
  /** The attempt failed: it counts, and its address is no longer clean for these identities. */
  failed(): Promise<void>;
}

interface PairKeys {
  identityKey: string;
  /** Attempts from this address for this identity that are being checked (or never finished). */
  pendingKey: string;
  /** Attempts from this address for this identity that failed. */
  failedKey: string;
}

export function createThrottle(deps: {
  db: Kysely<DB>;
  clock: Clock;
  /** Keeps this throttle's keys apart from another's ('api', 'sign-in'). */
  scope: string;
  limits: FailureLimits;
  repeatedRefusalDelayMs?: number;
}): Throttle {
  const { db, clock, scope, limits, repeatedRefusalDelayMs = REPEATED_REFUSAL_DELAY_MS } = deps;
  // Address and (identity, address) keys known to be blocked, so a flood of refused attempts costs
  // no database round trip. Never an identity key: that would refuse clean addresses.
  const blockedUntil = new Map<string, number>();
  let lastPrune = 0;
  let held = 0;

  const refusal = (until: number, now: number) =>
    new AppError('TOO_MANY_ATTEMPTS', 'Too many failed attempts. Wait before trying again.', {
      retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)),
    });

  const refuseRepeated = async (until: number, now: number): Promise<never> => {
    if (repeatedRefusalDelayMs > 0 && held < MAX_HELD_REFUSALS) {
      held++;
      try {
        await sleep(repeatedRefusalDelayMs);
      } finally {
        held--;
      }
    }
    throw refusal(until, now);
  };

  const knownBlockedUntil = (keys: string[], now: number) => {
    let until = 0;
    for (const key of keys) {
      const blocked = blockedUntil.get(key);
      if (blocked === undefined) continue;
      if (blocked > now) until = Math.max(until, blocked);
      else blockedUntil.delete(key);
    }
    return until;
  };

  return {
    async reserve({ sourceIp, identities, weight = 1 }) {
      const now = clock.now();
      const address = throttleKeyForAddress(sourceIp);
      const addressKey = `${scope}:address:${address}`;
      // The address goes first and contains no space, so "address identity" is unambiguous.
      const pairs: PairKeys[] = [...new Set(identities)].map((identity) => ({
        identityKey: `${scope}:identity:${identity}`,
        pendingKey: `${scope}:pending:${address} ${identity}`,
        failedKey: `${scope}:failed:${address} ${identity}`,
      }));

      const known = knownBlockedUntil([addressKey, ...pairs.map((p) => p.pendingKey)], now);
      if (known > 0) return refuseRepeated(known, now);

      const reservedKeys = [addressKey, ...pairs.flatMap((p) => [p.identityKey, p.pendingKey])];
      const events = reservedKeys.flatMap((key) => Array.from({ length: weight }, () => ({ id: randomUUID(), key, at: now })));
      const ids = events.map((e) => e.id);
      await insertThrottleEvents(db, events);
      const counts = await countThrottleEvents(db, [...reservedKeys, ...pairs.map((p) => p.failedKey)], now - WINDOW_MS, ids);

      const refused = decide({ counts, addressKey, pairs, weight, now, limits });
      if (refused) {
        await deleteThrottleEvents(db, ids);
        for (const [key, until] of refused.block) blockedUntil.set(key, Math.max(until, blockedUntil.get(key) ?? 0));
        if (blockedUntil.size > 100_000) blockedUntil.clear();
        throw refusal(refused.until, now);
      }
      if (now - lastPrune > WINDOW_MS) {
        lastPrune = now;
        await pruneThrottleEvents(db, now - WINDOW_MS);
      }
      return {
        succeeded: () => deleteThrottleEvents(db, ids),
        async failed() {
          for (const pair of pairs) {
            await rekeyThrottleEvents(
              db,
              events.filter((e) => e.key === pair.pendingKey).map((e) => e.id),
              pair.failedKey,
            );
          }
        },
      };
    },
  };
}

const NONE: ThrottleKeyCount = { count: 0, oldest: Number.POSITIVE_INFINITY, newest: Number.NEGATIVE_INFINITY };

/**
 * Whether an attempt that has just reserved `weight` slots on its keys must be refused, given the
 * other attempts in the window; if so, until when, and which keys to remember as blocked.
 */
function decide(input: {
  counts: Map<string, ThrottleKeyCount>;
  addressKey: string;
  pairs: PairKeys[];
  weight: number;
  now: number;
  limits: FailureLimits;
}): { until: number; block: Map<string, number> } | undefined {
  const { counts, addressKey, pairs, weight, now, limits } = input;
  const get = (key: string) => counts.get(key) ?? NONE;
  const over = (c: ThrottleKeyCount, limit: number) => c.count + weight > limit;
  // Our own slots are the newest, so the attempt fits once the oldest other one leaves the window.
  const freeAt = (c: ThrottleKeyCount) => (c.count > 0 ? c.oldest : now) + WINDOW_MS;
  const block = new Map<string, number>();
  let until = 0;
  const refuse = (at: number, key?: string) => {
    until = Math.max(until, at);
    if (key !== undefined) block.set(key, Math.max(at, block.get(key) ?? 0));
  };

  const address = get(addressKey);
  if (over(address, limits.perAddress)) refuse(freeAt(address), addressKey);

  for (const pair of pairs) {
    const pending = get(pair.pendingKey);
    const failed = get(pair.failedKey);
    const attempts: ThrottleKeyCount = {
      count: pending.count + failed.count,
      oldest: Math.min(pending.oldest, failed.oldest),
      newest: Math.max(pending.newest, failed.newest),
    };
    if (over(attempts, limits.perIdentityAndAddress)) {
      refuse(freeAt(attempts), pair.pendingKey);
      continue;
    }
    if (!over(get(pair.identityKey), limits.perIdentity)) continue;
    // The identity is over its ceiling: only a clean address may go on.
    const stale = pending.count > 0 && pending.oldest <= now - PENDING_STALE_MS;
    if (failed.count > 0 || stale) {
      // It has failed for this identity: it waits until its own failures leave the window.
      refuse(Math.max(failed.newest, stale ? pending.newest : Number.NEGATIVE_INFINITY) + WINDOW_MS, pair.pendingKey);
    } else if (pending.count > 0) {
      // Clean, with an attempt still being checked: one at a time, or a burst of guesses would pass.
      refuse(now + ONE_AT_A_TIME_RETRY_MS);
    }
  }
  return until > 0 ? { until, block } : undefined;
}
