/**
 * When a failed delivery is tried again: after the n-th failed attempt, wait RETRY_DELAYS_MS[n-1]
 * (±20 % jitter, so receivers coming back are not hit by every sender at the same second). The
 * plain sum is 31.7 h, the jittered sum at least 25.4 h: a receiver may be down for a day and
 * still get everything. After the last delay's attempt fails too, the delivery is failed.
 */
export const RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 28_800_000, 28_800_000] as const;

/** Attempts in all: the first one and one per delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/**
 * The persistent-failure rule: when a delivery has used its whole schedule and every attempt to
 * the endpoint (of any delivery) has failed for at least this long, the endpoint is turned off; its
 * pending deliveries wait until an admin turns it on again.
 */
export const FAILING_ENDPOINT_AFTER_MS = 24 * 3_600_000;

/** Milliseconds until the next attempt after `failedAttempts` failed ones, or null when none is left. */
export function retryDelayMs(failedAttempts: number, random: () => number = Math.random): number | null {
  const base = RETRY_DELAYS_MS[failedAttempts - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.8 + 0.4 * random()));
}
