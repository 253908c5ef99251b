import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropTestDatabases, newDatabaseLocation, testDialects } from '../helpers/databases.js';
import { accountWithCredential, curlBasic, operatorActor, rfc6749Basic, SP_MANAGED, startInstance, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

describe.each(testDialects)('HTTP Basic authentication of the Customer Connection API (%s)', (dialect) => {
  const instances: TestInstance[] = [];
  const start = async (...args: Parameters<typeof startTestApp> extends [unknown, ...infer R] ? R : never) => {
    const instance = await startTestApp(dialect, ...args);
    instances.push(instance);
    return instance;
  };
  afterEach(async () => {
    for (const i of instances.splice(0)) await i.close();
  });

  it('answers 401 with WWW-Authenticate and a JSON error when no credentials are sent', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'GET', url: SP_MANAGED });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="ssobridge", charset="UTF-8"');
    expect(res.json()).toEqual({ error: { code: 'AUTHENTICATION_REQUIRED', message: expect.stringContaining('HTTP Basic') } });
  });

  it('lists the account customers (an empty first page) with a valid Connection API credential', async () => {
    const { app } = await start();
    const client = await accountWithCredential(app);
    const res = await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: curlBasic(client.clientId, client.clientSecret) } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ customers: [], nextCursor: null });
  });

  it('refuses a wrong secret and an unknown client ID alike', async () => {
    const { app } = await start();
    const client = await accountWithCredential(app);
    for (const authorization of [curlBasic(client.clientId, `${client.clientSecret}x`), curlBasic('00000000-0000-4000-8000-000000000000', client.clientSecret)]) {
      const res = await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('INVALID_CREDENTIALS');
      expect(res.headers['www-authenticate']).toContain('Basic');
      expect(res.body).not.toContain(client.clientSecret);
    }
  });

  it.each([
    ['not Basic', 'Bearer abc'],
    ['no base64', 'Basic'],
    ['broken base64', 'Basic !!!!'],
    ['no colon', `Basic ${Buffer.from('justanid').toString('base64')}`],
    ['empty client ID', `Basic ${Buffer.from(':secret').toString('base64')}`],
    ['empty secret', `Basic ${Buffer.from('id:').toString('base64')}`],
    ['invalid UTF-8', `Basic ${Buffer.from([0x69, 0x64, 0x3a, 0xff, 0xfe]).toString('base64')}`],
    ['control characters', `Basic ${Buffer.from('id:se\ncret').toString('base64')}`],
    ['a huge value', `Basic ${'A'.repeat(8000)}`],
  ])('answers a malformed Authorization header (%s) with 401 and a clear error', async (_name, authorization) => {
    const { app } = await start();
    const res = await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Basic');
    expect(['MALFORMED_AUTHORIZATION', 'AUTHENTICATION_REQUIRED']).toContain(res.json().error.code);
  });

  it.each([
    ['percent signs', 'p%41ss%word-with-16+chars'],
    ['plus signs', 'a+b+c+d+e+f+g+h+i+j'],
    ['colons', 'se:cr:et:with:colons:16'],
    ['non-ASCII', 'pässwörd-ünïcödé-秘密-🔑'],
    ['spaces inside', 'a secret with spaces inside'],
  ])('accepts a custom secret with %s from curl and from an RFC 6749 client', async (_name, secret) => {
    const { app } = await start();
    const client = await accountWithCredential(app, 'Acme', secret);
    for (const authorization of [curlBasic(client.clientId, secret), rfc6749Basic(client.clientId, secret)]) {
      const res = await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } });
      expect(res.statusCode, authorization).toBe(200);
    }
  });

  it('accepts the global credentials only while they are enabled', async () => {
    const { app } = await start();
    const client = await accountWithCredential(app);
    const actor = operatorActor(client.accountId);
    const secret = 'global-secret-for-tests-1';
    const authorization = curlBasic(client.globalClientId, secret);

    await app.services.credentials.updateGlobalCredential(actor, { clientSecret: secret });
    expect((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } })).statusCode).toBe(401);

    await app.services.credentials.updateGlobalCredential(actor, { enabled: true });
    expect((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } })).statusCode).toBe(200);

    await app.services.credentials.updateGlobalCredential(actor, { enabled: false });
    expect((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } })).statusCode).toBe(401);
  });

  it('refuses the old secret on the very next request after an edit, and accepts the new one', async () => {
    const { app } = await start();
    const client = await accountWithCredential(app);
    const old = curlBasic(client.clientId, client.clientSecret);
    expect((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: old } })).statusCode).toBe(200);

    const edited = await app.services.credentials.updateConnectionApiCredential(operatorActor(client.accountId), client.credentialId, { generateSecret: true });
    expect(edited.clientSecret).toMatch(/^ssbs_/);
    expect(edited.credential.clientId).toBe(client.clientId);
    expect((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: old } })).statusCode).toBe(401);
    const fresh = curlBasic(client.clientId, edited.clientSecret!);
    expect((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: fresh } })).statusCode).toBe(200);
  });

  it('refuses a deleted credential on the very next request', async () => {
    const { app } = await start();
    const client = await accountWithCredential(app);
    const authorization = curlBasic(client.clientId, client.clientSecret);
    expect((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } })).statusCode).toBe(200);
    await app.services.credentials.deleteConnectionApiCredential(operatorActor(client.accountId), client.credentialId);
    expect((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } })).statusCode).toBe(401);
  });

  it('refuses an edited or deleted credential on another instance sharing the database, without a restart', async () => {
    const location = newDatabaseLocation(dialect);
    const first = await startInstance(location);
    const second = await startInstance(location);
    instances.push(first, second);
    const client = await accountWithCredential(first.app);
    const authorization = curlBasic(client.clientId, client.clientSecret);
    // Warm the second instance's cache, so only invalidation can make it refuse.
    expect((await second.app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } })).statusCode).toBe(200);

    await first.app.services.credentials.updateConnectionApiCredential(operatorActor(client.accountId), client.credentialId, { generateSecret: true });
    // The change feed invalidates the second instance's cache; how soon is measured by
    // bench/change-propagation.ts (docs/limits.md promises 1 s), not asserted here.
    expect(await pollUntilStatus(second, authorization, 401, 10_000)).toBe(true);
  });

  it('re-checks a cached secret against the database when change notifications stop arriving', async () => {
    const location = newDatabaseLocation(dialect);
    const first = await startInstance(location);
    const second = await startInstance(location);
    instances.push(first, second);
    const client = await accountWithCredential(first.app);
    const authorization = curlBasic(client.clientId, client.clientSecret);
    expect((await second.app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } })).statusCode).toBe(200);
    // The second instance stops hearing of changes, as when its listener connection dies silently.
    await second.database.changes.stop();
    await new Promise((r) => setTimeout(r, 800));
    expect((await second.app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } })).statusCode).toBe(200);
    await first.app.services.credentials.deleteConnectionApiCredential(operatorActor(client.accountId), client.credentialId);
    expect((await second.app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } })).statusCode).toBe(401);
  });

  it('counts failures per real client address behind a trusted proxy, whatever X-Forwarded-For claims', async () => {
    const { app } = await start({ env: { TRUST_PROXY: '1' } });
    const attempt = (spoofed: string) =>
      app.inject({
        method: 'GET',
        url: SP_MANAGED,
        // The proxy (10.9.9.9) appends the real client (198.51.100.7) after whatever the client sent.
        headers: { authorization: curlBasic(`guess-${spoofed}`, 'guessed-secret-12345'), 'x-forwarded-for': `${spoofed}, 198.51.100.7` },
        remoteAddress: '10.9.9.9',
      });
    for (let i = 0; i < 20; i++) expect((await attempt(`203.0.113.${i}`)).statusCode).toBe(401);
    expect((await attempt('203.0.113.99')).statusCode).toBe(429);
  });

  it('throttles failures per client ID and address: the 21st failure in a minute gets 429 with Retry-After', async () => {
    const { app, clock } = await start();
    const client = await accountWithCredential(app);
    const wrong = curlBasic(client.clientId, 'wrong-secret-value-123');
    for (let i = 0; i < 20; i++) {
      const res = await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: wrong }, remoteAddress: '10.0.0.1' });
      expect(res.statusCode).toBe(401);
    }
    const refused = await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: wrong }, remoteAddress: '10.0.0.1' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);

    clock.advance(61_000);
    const later = await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: curlBasic(client.clientId, client.clientSecret) }, remoteAddress: '10.0.0.1' });
    expect(later.statusCode).toBe(200);
  });

  it('throttles failures per source address across many client IDs', async () => {
    const { app } = await start();
    for (let i = 0; i < 20; i++) {
      const res = await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: curlBasic(`guess-${i}`, 'guessed-secret-12345') }, remoteAddress: '203.0.113.9' });
      expect(res.statusCode).toBe(401);
    }
    const refused = await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: curlBasic('guess-x', 'guessed-secret-12345') }, remoteAddress: '203.0.113.9' });
    expect(refused.statusCode).toBe(429);
    const otherAddress = await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: curlBasic('guess-y', 'guessed-secret-12345') }, remoteAddress: '203.0.113.10' });
    expect(otherAddress.statusCode).toBe(401);
  });

  it('serves 40 simultaneous first requests of a valid client on a cold cache (one slow hash, no 429)', async () => {
    const { app } = await start();
    const client = await accountWithCredential(app);
    const authorization = curlBasic(client.clientId, client.clientSecret);
    const results = await Promise.all(Array.from({ length: 40 }, () => app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } })));
    expect(results.map((r) => r.statusCode)).toEqual(Array(40).fill(200));
  });

  it('refuses an old secret at once even when it is still in the header fast path', async () => {
    const { app } = await start();
    const client = await accountWithCredential(app);
    const old = curlBasic(client.clientId, client.clientSecret);
    for (let i = 0; i < 3; i++) expect((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: old } })).statusCode).toBe(200);
    await app.services.credentials.updateConnectionApiCredential(operatorActor(client.accountId), client.credentialId, { clientSecret: 'brand-new-secret-value-1' });
    const fresh = curlBasic(client.clientId, 'brand-new-secret-value-1');
    expect((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: fresh } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: old } })).statusCode).toBe(401);
  });

  it('keeps serving a valid client whose secret is already verified while its client ID is under attack', async () => {
    const { app } = await start();
    const client = await accountWithCredential(app);
    const good = curlBasic(client.clientId, client.clientSecret);
    expect((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: good } })).statusCode).toBe(200);
    for (let i = 0; i < 21; i++) await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: curlBasic(client.clientId, `bad-${i}-0123456789`) }, remoteAddress: '198.51.100.1' });
    expect((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: good } })).statusCode).toBe(200);
  });

  it('never shows one account the customers of another', async () => {
    const { app, database } = await start();
    const a = await accountWithCredential(app, 'Account A');
    const b = await accountWithCredential(app, 'Account B');
    const now = Date.now();
    await database.db
      .insertInto('customers')
      .values([
        { id: 'c1', account_id: a.accountId, idp_id: 'customer-of-a.com', created_at: now, updated_at: now },
        { id: 'c2', account_id: b.accountId, idp_id: 'customer-of-b.com', created_at: now, updated_at: now },
      ])
      .execute();
    const listA = await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: curlBasic(a.clientId, a.clientSecret) } });
    expect(listA.json().customers.map((c: { idpId: string }) => c.idpId)).toEqual(['customer-of-a.com']);
    const listB = await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: curlBasic(b.clientId, b.clientSecret) } });
    expect(listB.json().customers.map((c: { idpId: string }) => c.idpId)).toEqual(['customer-of-b.com']);
  });

  it('pages through customers with a cursor and rejects a forged cursor and a bad limit', async () => {
    const { app, database } = await start();
    const a = await accountWithCredential(app);
    const now = Date.now();
    await database.db
      .insertInto('customers')
      .values(['c.com', 'a.com', 'b.com'].map((idp, i) => ({ id: `id${i}`, account_id: a.accountId, idp_id: idp, created_at: now, updated_at: now })))
      .execute();
    const authorization = curlBasic(a.clientId, a.clientSecret);
    const first = await app.inject({ method: 'GET', url: `${SP_MANAGED}?limit=2`, headers: { authorization } });
    expect(first.json().customers.map((c: { idpId: string }) => c.idpId)).toEqual(['a.com', 'b.com']);
    const second = await app.inject({ method: 'GET', url: `${SP_MANAGED}?limit=2&cursor=${first.json().nextCursor}`, headers: { authorization } });
    expect(second.json()).toMatchObject({ customers: [{ idpId: 'c.com' }], nextCursor: null });

    const forged = await app.inject({ method: 'GET', url: `${SP_MANAGED}?cursor=nonsense`, headers: { authorization } });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error.fields).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    const badLimit = await app.inject({ method: 'GET', url: `${SP_MANAGED}?limit=0`, headers: { authorization } });
    expect(badLimit.statusCode).toBe(400);
    expect(badLimit.json().error.fields[0].field).toBe('limit');
    const unknown = await app.inject({ method: 'GET', url: `${SP_MANAGED}?colour=blue`, headers: { authorization } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.fields[0].message).toContain('colour');
  });

  it('answers unknown API paths with 401 before authentication and a JSON 404 after', async () => {
    const { app } = await start();
    const client = await accountWithCredential(app);
    const url = '/web-portal/rest/saas/idp/2.0/nothing-here';
    const anonymous = await app.inject({ method: 'GET', url });
    expect(anonymous.statusCode).toBe(401);
    const authed = await app.inject({ method: 'GET', url, headers: { authorization: curlBasic(client.clientId, client.clientSecret) } });
    expect(authed.statusCode).toBe(404);
    expect(authed.json().error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('records when a credential was last used, without a write per request', async () => {
    const { app } = await start();
    const client = await accountWithCredential(app);
    const authorization = curlBasic(client.clientId, client.clientSecret);
    await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } });
    expect((await app.services.credentials.getConnectionApiCredential(client.accountId, client.credentialId)).lastUsedAt).toBeNull();
    await app.services.clientAuthenticator.flushLastUsed();
    expect((await app.services.credentials.getConnectionApiCredential(client.accountId, client.credentialId)).lastUsedAt).toEqual(expect.any(Number));
  });
});

/** Whether the instance answers `status` within `limitMs` (a deadline for a hung test, not a speed check). */
async function pollUntilStatus(instance: TestInstance, authorization: string, status: number, limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const res = await instance.app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } });
    if (res.statusCode === status) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
