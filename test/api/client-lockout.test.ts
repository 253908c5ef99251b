import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropTestDatabases, newDatabaseLocation, testDialects } from '../helpers/databases.js';
import { accountWithCredential, curlBasic, SP_MANAGED, startInstance, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

/**
 * Client IDs are not secrets: whoever knows one can send wrong secrets for it. The throttle must
 * slow that guesser down without refusing the real client elsewhere (docs/credentials.md).
 */
describe.each(testDialects)('nobody can lock out a Connection API client (%s)', (dialect) => {
  const instances: TestInstance[] = [];
  afterEach(async () => {
    for (const i of instances.splice(0)) await i.close();
  });
  const open = async (location = newDatabaseLocation(dialect), env: Record<string, string> = {}) => {
    const instance = await startInstance(location, { env });
    instances.push(instance);
    return instance;
  };
  const call = (instance: TestInstance, authorization: string, remoteAddress: string) =>
    instance.app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization }, remoteAddress });

  it('serves the correct secret from another address on an instance that has not cached it, after a flood of wrong ones', async () => {
    const location = newDatabaseLocation(dialect);
    const flooded = await open(location);
    const client = await accountWithCredential(flooded.app);
    const attacker = '203.0.113.66';
    for (let i = 0; i < 20; i++) {
      expect((await call(flooded, curlBasic(client.clientId, `guess-${i}-0123456789abcdef`), attacker)).statusCode).toBe(401);
    }
    expect((await call(flooded, curlBasic(client.clientId, 'guess-x-0123456789abcdef'), attacker)).statusCode).toBe(429);

    // A fresh instance (a restart, another replica) has not verified the secret yet. There the
    // flooding address is refused even with the right secret…
    const fresh = await open(location);
    const good = curlBasic(client.clientId, client.clientSecret);
    const attackerWithSecret = await call(fresh, good, attacker);
    expect(attackerWithSecret.statusCode).toBe(429);
    expect(attackerWithSecret.json().error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(attackerWithSecret.headers['retry-after'])).toBeGreaterThan(0);
    // …and the real client, from its own address, is served.
    expect((await call(fresh, good, '198.51.100.20')).statusCode).toBe(200);
  });

  it('engages the per-client-ID ceiling across many addresses, yet serves a clean address', async () => {
    const instance = await open(undefined, { AUTH_FAILURES_PER_CLIENT_ID_PER_MINUTE: '6' });
    const client = await accountWithCredential(instance.app);
    const wrong = (i: number) => curlBasic(client.clientId, `guess-${i}-0123456789abcdef`);
    for (let i = 1; i <= 6; i++) expect((await call(instance, wrong(i), `203.0.113.${i}`)).statusCode).toBe(401);

    // Over the ceiling: an address that has already failed for this client ID is refused…
    const again = await call(instance, wrong(7), '203.0.113.1');
    expect(again.statusCode).toBe(429);
    expect(again.json().error.code).toBe('TOO_MANY_ATTEMPTS');
    // …while an address that has not may still try, and the real client is served.
    expect((await call(instance, wrong(8), '203.0.113.100')).statusCode).toBe(401);
    expect((await call(instance, curlBasic(client.clientId, client.clientSecret), '198.51.100.20')).statusCode).toBe(200);
  });
});
