import { afterAll, describe, expect, it } from 'vitest';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { ConsoleClient } from '../helpers/console-client.js';
import { operatorActor } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const PASSWORD = 'correct horse battery staple';
const CONNECTION_API = '/console/account/integration/connection-api';

describe.each(testDialects)('console sign-in, sessions and CSRF (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function withAdmin(env: Record<string, string> = {}) {
    const instance = await apps.start({ env });
    const { account } = await instance.app.services.accounts.ensureDefaultAccount(operatorActor);
    await instance.app.services.admins.createAdmin(operatorActor(account.id), account.id, { email: 'Admin@Example.com', password: PASSWORD });
    return { app: instance.app, accountId: account.id };
  }

  it('sends an anonymous visitor to the sign-in page', async () => {
    const { app } = await withAdmin();
    const res = await new ConsoleClient(app).get(CONNECTION_API);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/console/sign-in?next=%2Fconsole%2Faccount%2Fintegration%2Fconnection-api');
  });

  it('signs in with a session cookie that is HttpOnly and SameSite, and serves pages under a strict CSP', async () => {
    const { app } = await withAdmin();
    const browser = new ConsoleClient(app);
    const res = await browser.signIn('admin@example.com', PASSWORD);
    expect(res.statusCode).toBe(303);
    const cookie = [res.headers['set-cookie']].flat().find((c) => c?.startsWith('ssb_session='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await browser.get(CONNECTION_API);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Connection API Credentials');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.body).not.toMatch(/<script>(?!<\/script>)/);
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('refuses a wrong password with the same message as an unknown email', async () => {
    const { app } = await withAdmin();
    const wrong = await new ConsoleClient(app).signIn('admin@example.com', 'not the password');
    const unknown = await new ConsoleClient(app).signIn('nobody@example.com', 'not the password');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toContain('The email address or password is not correct.');
    expect(unknown.body).toContain('The email address or password is not correct.');
  });

  it('throttles an address after ten failed sign-ins a minute, even with the right password, without locking the admin out elsewhere', async () => {
    const { app } = await withAdmin();
    const attacker = new ConsoleClient(app, '10.1.0.1');
    for (let i = 0; i < 10; i++) expect((await attacker.signIn('admin@example.com', `wrong ${i}`)).statusCode).toBe(401);
    const throttled = await new ConsoleClient(app, '10.1.0.1').signIn('admin@example.com', PASSWORD);
    expect(throttled.statusCode).toBe(429);
    expect(throttled.body).toContain('Too many failed attempts');
    // The admin's email is not a secret: wrong passwords from another address must not lock them out.
    expect((await new ConsoleClient(app, '10.1.1.1').signIn('admin@example.com', PASSWORD)).statusCode).toBe(303);
    apps.current.clock.advance(61_000);
    expect((await new ConsoleClient(app, '10.1.0.1').signIn('admin@example.com', PASSWORD)).statusCode).toBe(303);
  });

  it('engages the per-email ceiling across many addresses, yet signs the admin in from a clean address', async () => {
    const { app } = await withAdmin({ SIGN_IN_FAILURES_PER_EMAIL_PER_MINUTE: '4' });
    for (let i = 1; i <= 4; i++) expect((await new ConsoleClient(app, `10.2.0.${i}`).signIn('admin@example.com', `wrong ${i}`)).statusCode).toBe(401);
    // Over the ceiling: an address that has already failed for this email is refused, even with the right password…
    expect((await new ConsoleClient(app, '10.2.0.1').signIn('admin@example.com', PASSWORD)).statusCode).toBe(429);
    // …but not an address that has not failed.
    expect((await new ConsoleClient(app, '10.2.9.9').signIn('admin@example.com', PASSWORD)).statusCode).toBe(303);
  });

  it('refuses every form posted without the CSRF token, and changes nothing', async () => {
    const { app, accountId } = await withAdmin();
    const browser = new ConsoleClient(app);
    await browser.signIn('admin@example.com', PASSWORD);
    const res = await browser.post(CONNECTION_API, { description: 'forged' }, { csrf: null });
    expect(res.statusCode).toBe(403);
    const forged = await browser.post(CONNECTION_API, { description: 'forged' }, { csrf: 'made-up-token' });
    expect(forged.statusCode).toBe(403);
    expect(await app.services.credentials.listConnectionApiCredentials(accountId)).toHaveLength(0);
  });

  it('refuses a sign-in form without the CSRF token (login CSRF)', async () => {
    const { app } = await withAdmin();
    const browser = new ConsoleClient(app);
    await browser.get('/console/sign-in');
    const res = await browser.post('/console/sign-in', { email: 'admin@example.com', password: PASSWORD }, { csrf: null });
    expect(res.statusCode).toBe(403);
  });

  it('ends the session on the server at sign-out, so a copied cookie stops working', async () => {
    const { app } = await withAdmin();
    const browser = new ConsoleClient(app);
    const signedIn = await browser.signIn('admin@example.com', PASSWORD);
    const sessionCookie = [signedIn.headers['set-cookie']].flat().find((c) => c?.startsWith('ssb_session='))!.split(';')[0]!;
    await browser.get(CONNECTION_API);
    await browser.post('/console/sign-out', {});
    const replay = await app.inject({ method: 'GET', url: CONNECTION_API, headers: { cookie: sessionCookie } });
    expect(replay.statusCode).toBe(302);
  });

  it('expires a session after its lifetime', async () => {
    const { app } = await withAdmin();
    const browser = new ConsoleClient(app);
    await browser.signIn('admin@example.com', PASSWORD);
    apps.current.clock.advance(13 * 3600_000);
    expect((await browser.get(CONNECTION_API)).statusCode).toBe(302);
  });

  it('records the sign-in in the audit log with the source address', async () => {
    const { app, accountId } = await withAdmin();
    await new ConsoleClient(app, '192.0.2.44').signIn('admin@example.com', PASSWORD);
    const { events } = await app.services.audit.list(accountId, { limit: 10 });
    expect(events[0]).toMatchObject({ action: 'admin.signed_in', actorLabel: 'admin@example.com', sourceIp: '192.0.2.44' });
  });
});

describe('first-admin setup link', () => {
  const apps = appsPerTest('sqlite');

  it('creates the first admin once, signs them in, and is then spent', async () => {
    const instance = await apps.start();
    const { app } = instance;
    const { account } = await app.services.accounts.ensureDefaultAccount(operatorActor);
    const token = await app.services.accounts.issueSetupToken(account.id);
    // 32 random bytes, base64url: a link only exists while the account has no admin.
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const browser = new ConsoleClient(app);
    expect((await browser.get(`/console/setup?token=${token}`)).statusCode).toBe(200);
    const mismatch = await browser.post('/console/setup', { token: token!, email: 'first@example.com', password: PASSWORD, confirm: 'other' });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.body).toContain('does not match the password');
    const weak = await browser.post('/console/setup', { token: token!, email: 'first@example.com', password: 'short', confirm: 'short' });
    expect(weak.statusCode).toBe(400);
    expect(weak.body).toContain('at least 12 characters');

    const done = await browser.post('/console/setup', { token: token!, email: 'first@example.com', password: PASSWORD, confirm: PASSWORD });
    expect(done.statusCode).toBe(303);
    expect((await browser.get(CONNECTION_API)).statusCode).toBe(200);

    const again = new ConsoleClient(app);
    expect((await again.get(`/console/setup?token=${token}`)).statusCode).toBe(404);
    expect(await app.services.accounts.issueSetupToken(account.id)).toBeUndefined();
  });
});
