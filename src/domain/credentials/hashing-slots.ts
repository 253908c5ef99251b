/**
 * How many argon2id computations (hashes and verifications) run at once in this process; the
 * rest wait their turn, first come first served. Each one holds 19 MiB for its ~20 ms, and without
 * a bound a burst (a flood of wrong secrets, many clients meeting a cold cache, admins signing in)
 * runs as many as libuv has threads (4 by default): 4 × 19 MiB on top of the resident memory, and
 * every thread busy, so file and DNS work waits. Two keep two cores' worth of hashing going while
 * bounding the peak at 38 MiB (docs/benchmarks.md, "Memory on PostgreSQL").
 *
 * Process-wide on purpose: the memory and the libuv thread pool it protects are the process's, so
 * several apps in one process (tests) share it too.
 */
export const ARGON2_CONCURRENCY = 2;

export interface Slots {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now (at most the number of slots). */
  running(): number;
  /** Tasks waiting for a slot. */
  waiting(): number;
}

/** At most `size` tasks at once; the others start in the order they arrived as slots free up. */
export function createSlots(size: number): Slots {
  let running = 0;
  const queue: (() => void)[] = [];
  return {
    async run(task) {
      if (running < size) running++;
      // The slot is handed over by the task that frees it (below), so `running` stays counted.
      else await new Promise<void>((resolve) => queue.push(resolve));
      try {
        return await task();
      } finally {
        const next = queue.shift();
        if (next) next();
        else running--;
      }
    },
    running: () => running,
    waiting: () => queue.length,
  };
}

export const argon2Slots = createSlots(ARGON2_CONCURRENCY);
