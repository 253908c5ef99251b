import { afterAll, describe, expect, it } from 'vitest';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { ssoSetUp } from '../helpers/sso-fixture.js';
import { testConfig } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

// 6 a minute (one every 10 s) in bursts of 3, so that a test reaches the limit in a few requests.
const env = { SSO_REQUESTS_PER_MINUTE: '6', SSO_REQUESTS_BURST: '3' };
const reasonOf = (html: string) => /Reason: <code>([A-Z0-9_]+)<\/code>/.exec(html)?.[1];

describe('per-address limit on the sign-in routes: configuration', () => {
  it('defaults to 120 requests a minute in bursts of 60, as docs/configuration.md says', () => {
    expect(testConfig().ssoRequestRate).toEqual({ perMinute: 120, burst: 60 });
    expect(testConfig(env).ssoRequestRate).toEqual({ perMinute: 6, burst: 3 });
  });
});

describe.each(testDialects)('per-address limit on the sign-in routes (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function setUp() {
    const instance = await apps.start({ env });
    const s = await ssoSetUp(instance.app);
    const { app, clock } = instance;
    const initsso = (remoteAddress: string) => app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com`, remoteAddress });
    const acs = (remoteAddress: string) =>
      app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', remoteAddress, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'SAMLResponse=not-base64!' });
    const discover = (remoteAddress: string) =>
      app.inject({ method: 'POST', url: '/sso/sp/discover', remoteAddress, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `saasid=${s.rest.saasid}&email=alice%40customer001.com` });
    return { clock, initsso, acs, discover };
  }

  it('answers 429 with Retry-After and the sign-in error page once an address has used its burst on initsso; another address is unaffected', async () => {
    const { initsso } = await setUp();
    for (let i = 0; i < 3; i++) expect((await initsso('203.0.113.7')).statusCode).toBe(302);
    const refused = await initsso('203.0.113.7');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('10');
    expect(refused.headers['cache-control']).toBe('no-store');
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    expect(reasonOf(refused.body)).toBe('TOO_MANY_REQUESTS');
    expect(refused.body).toContain('Too many sign-in requests from your network.');
    expect((await initsso('198.51.100.9')).statusCode).toBe(302);
  });

  it('limits the ACS the same way, before reading the posted response', async () => {
    const { acs } = await setUp();
    for (let i = 0; i < 3; i++) {
      const res = await acs('203.0.113.8');
      expect(res.statusCode).toBe(400);
      expect(reasonOf(res.body)).toBe('NOT_BASE64');
    }
    const refused = await acs('203.0.113.8');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('10');
    expect(reasonOf(refused.body)).toBe('TOO_MANY_REQUESTS');
    expect(reasonOf((await acs('198.51.100.10')).body)).toBe('NOT_BASE64');
  });

  it('counts initsso, the discovery form and the ACS together, and lets the address in again as its bucket refills', async () => {
    const { clock, initsso, acs, discover } = await setUp();
    expect((await initsso('203.0.113.9')).statusCode).toBe(302);
    expect((await discover('203.0.113.9')).statusCode).not.toBe(429);
    expect((await acs('203.0.113.9')).statusCode).toBe(400);
    expect((await initsso('203.0.113.9')).statusCode).toBe(429);
    expect((await discover('203.0.113.9')).statusCode).toBe(429);
    clock.advance(9_000);
    expect((await acs('203.0.113.9')).statusCode).toBe(429);
    clock.advance(1_000);
    expect((await initsso('203.0.113.9')).statusCode).toBe(302);
    expect((await initsso('203.0.113.9')).statusCode).toBe(429);
  });

  it('counts an IPv6 /64 as one address', async () => {
    const { initsso } = await setUp();
    for (const host of ['1', '2', 'abcd']) expect((await initsso(`2001:db8:1:2::${host}`)).statusCode).toBe(302);
    expect((await initsso('2001:db8:1:2:ffff::9')).statusCode).toBe(429);
    expect((await initsso('2001:db8:1:3::1')).statusCode).toBe(302);
  });
});
