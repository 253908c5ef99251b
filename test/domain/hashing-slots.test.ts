import { describe, expect, it } from 'vitest';
import { argon2Slots, ARGON2_CONCURRENCY, createSlots } from '../../src/domain/credentials/hashing-slots.js';
import { hashSecret, verifyAgainstDummy, verifySecret } from '../../src/domain/credentials/secrets.js';

describe('slots for argon2id work', () => {
  it('run at most their size at once and start the waiting ones in arrival order', async () => {
    const slots = createSlots(2);
    const started: number[] = [];
    const finish: (() => void)[] = [];
    const tasks = [0, 1, 2, 3, 4].map((i) =>
      slots.run(async () => {
        started.push(i);
        await new Promise<void>((resolve) => finish.push(resolve));
        return i;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    expect([slots.running(), slots.waiting()]).toEqual([2, 3]);
    finish[1]!();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    expect(slots.running()).toBe(2);
    // Finishing the rest one by one lets the last two in, in order.
    for (const i of [0, 2, 3]) {
      finish[i]!();
      await new Promise((r) => setImmediate(r));
      expect(slots.running()).toBeLessThanOrEqual(2);
    }
    expect(started).toEqual([0, 1, 2, 3, 4]);
    finish[4]!();
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect([slots.running(), slots.waiting()]).toEqual([0, 0]);
  });

  it('free a slot when a task fails', async () => {
    const slots = createSlots(1);
    await expect(slots.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await slots.run(async () => 'next')).toBe('next');
    expect(slots.running()).toBe(0);
  });

  it('bound the real secret checks: a burst of verifications runs two at a time, each with its own answer', async () => {
    const stored = await hashSecret('the right secret, long enough');
    let mostRunning = 0;
    let mostWaiting = 0;
    let done = false;
    const watch = (async () => {
      while (!done) {
        mostRunning = Math.max(mostRunning, argon2Slots.running());
        mostWaiting = Math.max(mostWaiting, argon2Slots.waiting());
        await new Promise((r) => setImmediate(r));
      }
    })();
    const answers = await Promise.all([
      ...[0, 1, 2].map(() => verifySecret(stored, 'the right secret, long enough')),
      ...[0, 1, 2].map((i) => verifySecret(stored, `a wrong secret ${i}`)),
      verifyAgainstDummy('anything'),
      verifySecret('not an argon2 hash', 'anything'),
    ]);
    done = true;
    await watch;
    expect(answers).toEqual([true, true, true, false, false, false, false, false]);
    expect(mostRunning).toBe(ARGON2_CONCURRENCY);
    expect(mostWaiting).toBeGreaterThanOrEqual(8 - ARGON2_CONCURRENCY - 1);
    expect([argon2Slots.running(), argon2Slots.waiting()]).toEqual([0, 0]);
  });
});
