import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { createThrottle, type FailureLimits } from '../../src/domain/throttle/throttle.js';
import { dropTestDatabases, newDatabaseLocation, openTestDatabase, testDialects } from '../helpers/databases.js';
import { TestClock } from '../helpers/test-clock.js';

afterAll(dropTestDatabases);

describe.each(testDialects)('failure throttle (%s)', (dialect) => {
  const databases: Database[] = [];
  afterEach(async () => {
    for (const database of databases.splice(0)) await database.close();
  });

  async function throttleWith(limits: FailureLimits) {
    const database = await openTestDatabase(newDatabaseLocation(dialect));
    databases.push(database);
    const clock = new TestClock();
    // A second instance over the same database knows nothing in memory: only the shared log decides.
    const make = () => createThrottle({ db: database.db, clock, scope: 'test', limits, repeatedRefusalDelayMs: 0 });
    return { throttle: make(), otherInstance: make(), clock };
  }

  /** One attempt that fails: reserved, then reported as failed. */
  const fail = async (throttle: ReturnType<typeof createThrottle>, sourceIp: string, identity: string) => {
    const reservation = await throttle.reserve({ sourceIp, identities: [identity] });
    await reservation.failed();
  };

  it('refuses an address past its failures for one identity, and only that address', async () => {
    const { throttle, otherInstance } = await throttleWith({ perAddress: 100, perIdentityAndAddress: 3, perIdentity: 1000 });
    for (let i = 0; i < 3; i++) await fail(throttle, '198.51.100.1', 'victim');
    await expect(throttle.reserve({ sourceIp: '198.51.100.1', identities: ['victim'] })).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    await expect(otherInstance.reserve({ sourceIp: '198.51.100.1', identities: ['victim'] })).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    // The same address may still try other identities (up to its per-address limit), others this one.
    await expect(otherInstance.reserve({ sourceIp: '198.51.100.1', identities: ['someone-else'] })).resolves.toBeDefined();
    await expect(otherInstance.reserve({ sourceIp: '198.51.100.2', identities: ['victim'] })).resolves.toBeDefined();
  });

  it('counts an IPv6 /64 as one address', async () => {
    const { throttle } = await throttleWith({ perAddress: 2, perIdentityAndAddress: 2, perIdentity: 1000 });
    await fail(throttle, '2001:db8:1:2::1', 'a');
    await fail(throttle, '2001:db8:1:2:ffff::9', 'b');
    await expect(throttle.reserve({ sourceIp: '2001:db8:1:2:abcd::1', identities: ['c'] })).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    await expect(throttle.reserve({ sourceIp: '2001:db8:1:3::1', identities: ['c'] })).resolves.toBeDefined();
  });

  it('past the per-identity ceiling, refuses addresses that have failed for it and lets clean ones try', async () => {
    const { throttle, otherInstance, clock } = await throttleWith({ perAddress: 20, perIdentityAndAddress: 20, perIdentity: 5 });
    for (let i = 1; i <= 5; i++) await fail(throttle, `203.0.113.${i}`, 'victim');

    const refused = otherInstance.reserve({ sourceIp: '203.0.113.1', identities: ['victim'] });
    await expect(refused).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    // It waits until its own failure leaves the 60 s window.
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 60 });

    // A clean address is never refused by the ceiling: its attempt succeeds, or fails and then it is no longer clean.
    await (await otherInstance.reserve({ sourceIp: '192.0.2.50', identities: ['victim'] })).succeeded();
    await (await otherInstance.reserve({ sourceIp: '192.0.2.50', identities: ['victim'] })).succeeded();
    await fail(otherInstance, '192.0.2.51', 'victim');
    await expect(otherInstance.reserve({ sourceIp: '192.0.2.51', identities: ['victim'] })).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });

    // Once the failures have left the window, everyone may try again.
    clock.advance(61_000);
    await expect(otherInstance.reserve({ sourceIp: '203.0.113.1', identities: ['victim'] })).resolves.toBeDefined();
  });

  it('past the ceiling, lets a clean address make one attempt at a time', async () => {
    const { throttle, otherInstance } = await throttleWith({ perAddress: 20, perIdentityAndAddress: 20, perIdentity: 3 });
    for (let i = 1; i <= 3; i++) await fail(throttle, `203.0.113.${i}`, 'victim');

    const first = await throttle.reserve({ sourceIp: '192.0.2.60', identities: ['victim'] });
    // A burst of guesses from a fresh address must not all pass while the first is being checked.
    const second = otherInstance.reserve({ sourceIp: '192.0.2.60', identities: ['victim'] });
    await expect(second).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 1 });
    await first.succeeded();
    await expect(otherInstance.reserve({ sourceIp: '192.0.2.60', identities: ['victim'] })).resolves.toBeDefined();
  });

  it('treats an attempt that never reported its outcome as a failure after a while', async () => {
    const { throttle, otherInstance, clock } = await throttleWith({ perAddress: 20, perIdentityAndAddress: 20, perIdentity: 3 });
    for (let i = 1; i <= 3; i++) await fail(throttle, `203.0.113.${i}`, 'victim');
    // Reserved, then the process stopped before reporting.
    await throttle.reserve({ sourceIp: '192.0.2.70', identities: ['victim'] });
    clock.advance(11_000);
    await expect(otherInstance.reserve({ sourceIp: '192.0.2.70', identities: ['victim'] })).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    await expect(otherInstance.reserve({ sourceIp: '192.0.2.71', identities: ['victim'] })).resolves.toBeDefined();
  });

  it('gives the slots of a successful attempt back', async () => {
    const { throttle } = await throttleWith({ perAddress: 2, perIdentityAndAddress: 2, perIdentity: 2 });
    for (let i = 0; i < 10; i++) await (await throttle.reserve({ sourceIp: '192.0.2.80', identities: ['client'] })).succeeded();
    await fail(throttle, '192.0.2.80', 'client');
    await fail(throttle, '192.0.2.80', 'client');
    await expect(throttle.reserve({ sourceIp: '192.0.2.80', identities: ['client'] })).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
  });

  it('never lets racing attempts from one address past its limit', async () => {
    const { throttle, otherInstance } = await throttleWith({ perAddress: 5, perIdentityAndAddress: 5, perIdentity: 1000 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? throttle : otherInstance).reserve({ sourceIp: '198.51.100.9', identities: [`id-${i}`] })),
    );
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(5);
    expect(results.filter((r) => r.status === 'rejected').length).toBeGreaterThanOrEqual(15);
  });
});
