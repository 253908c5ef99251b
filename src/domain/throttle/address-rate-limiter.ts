import type { Clock } from '../../clock.js';
import { AppError } from '../../errors.js';
import { throttleKeyForAddress } from './throttle.js';

/**
 * Limits how many requests one source address may make to this instance: a token bucket per
 * address (an IPv6 /64 counts as one), holding `burst` requests and refilled at `perMinute`.
 *
 * It lives in memory on purpose. It is about fairness on one instance — one address must not
 * keep this process's event loop busy with SAML work while everyone else waits — so it needs no
 * shared state and no database round trip before it can refuse (with N instances an address can
 * make N times as many requests, spread over N processes). Failed credentials, which must be
 * counted across instances, use the database-backed throttle instead.
 */
export interface AddressRateLimiter {
  /** Takes one request from the address's bucket, or throws TOO_MANY_REQUESTS (429) saying how long to wait. */
  take(address: string): void;
}

/** Beyond this many addresses, full buckets (equivalent to absent ones) and then the oldest are forgotten. */
const MAX_TRACKED_ADDRESSES = 100_000;

export function createAddressRateLimiter(deps: { clock: Clock; perMinute: number; burst: number }): AddressRateLimiter {
  const { clock, perMinute, burst } = deps;
  const msPerRequest = 60_000 / perMinute;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const tokensAt = (bucket: { tokens: number; at: number }, now: number) => Math.min(burst, bucket.tokens + Math.max(0, now - bucket.at) / msPerRequest);

  /** Keeps memory bounded under a spray of addresses: each sweep frees at least a tenth, so its cost is spread thin. */
  const makeRoom = (now: number) => {
    for (const [key, bucket] of buckets) if (tokensAt(bucket, now) >= burst) buckets.delete(key);
    for (const key of buckets.keys()) {
      if (buckets.size < MAX_TRACKED_ADDRESSES * 0.9) break;
      buckets.delete(key);
    }
  };

  return {
    take(address) {
      const now = clock.now();
      const key = throttleKeyForAddress(address);
      const bucket = buckets.get(key);
      const tokens = bucket ? tokensAt(bucket, now) : burst;
      if (tokens < 1) {
        throw new AppError('TOO_MANY_REQUESTS', 'Too many sign-in requests from your network. Wait a moment, then try again.', {
          retryAfterSeconds: Math.max(1, Math.ceil(((1 - tokens) * msPerRequest) / 1000)),
          detail: `address ${key} is over ${perMinute} requests a minute (burst ${burst})`,
        });
      }
      if (bucket) {
        bucket.tokens = tokens - 1;
        bucket.at = now;
        return;
      }
      if (buckets.size >= MAX_TRACKED_ADDRESSES) makeRoom(now);
      buckets.set(key, { tokens: tokens - 1, at: now });
    },
  };
}
