/** Time source injected into every service so tests control it; domain code never calls Date.now(). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
