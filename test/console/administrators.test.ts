import * as OTPAuth from 'otpauth';
import { afterAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/actor.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { ConsoleClient } from '../helpers/console-client.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { operatorActor } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const PASSWORD = 'correct horse battery staple';

describe.each(testDialects)('Account › Administrators in the console (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function setUp() {
    const instance = await apps.start();
    const { services } = instance.app;
    const { account } = await services.accounts.createAccount(operatorActor, 'Acme SaaS');
    const admin = await services.admins.createAdmin(operatorActor(account.id), account.id, { email: 'a@acme.example', password: PASSWORD });
    const actor: Actor = { kind: 'admin', id: admin.id, label: admin.email, accountId: account.id, sourceIp: '127.0.0.1' };
    return { instance, services, actor };
  }

  it('lets a session that has only given the password open nothing but the code page', async () => {
    const { instance, services, actor } = await setUp();
    const state = await services.adminMfa.secondFactorOf(actor);
    if (state.enrolled) throw new Error('unexpected');
    await services.adminMfa.confirmEnrolment(actor, OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(state.secret), timestamp: instance.clock.now() }));

    const browser = new ConsoleClient(instance.app);
    const signedIn = await browser.signIn('a@acme.example', PASSWORD);
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe('/console/sign-in/verify');
    const page = await browser.get('/console/sign-in/verify');
    expect(page.body).toContain('Two-step verification');

    for (const path of ['/console/account/administrators', '/console/applications', '/console/account/two-step-verification']) {
      const res = await browser.get(path);
      expect(res.statusCode, path).toBe(302);
      expect(res.headers.location, path).toBe('/console/sign-in/verify');
    }
    await browser.get('/console/sign-in/verify');
    const token = browser.csrfToken();
    const invite = await browser.post('/console/account/administrators/invitations', { email: 'evil@attacker.example' }, { csrf: token });
    expect(invite.statusCode).toBe(403);
    expect(await services.admins.listOpenInvitations(actor.accountId)).toEqual([]);
    const settings = await browser.post('/console/account/administrators/settings', { requireMfa: 'true' }, { csrf: token });
    expect(settings.statusCode).toBe(403);
    await expect(services.adminMfa.requiresMfa(actor.accountId)).resolves.toBe(false);
  });

  it('refuses an invitation form without the CSRF token, and shows the link once when no mail server is configured', async () => {
    const { instance, services, actor } = await setUp();
    const browser = new ConsoleClient(instance.app);
    await browser.signIn('a@acme.example', PASSWORD);
    await browser.get('/console/account/administrators');
    const forged = await browser.post('/console/account/administrators/invitations', { email: 'b@acme.example' }, { csrf: null });
    expect(forged.statusCode).toBe(403);
    expect(await services.admins.listOpenInvitations(actor.accountId)).toEqual([]);

    await browser.get('/console/account/administrators');
    const created = await browser.post('/console/account/administrators/invitations', { email: 'b@acme.example' });
    expect(created.statusCode).toBe(200);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.body).toMatch(/http:\/\/localhost:8080\/console\/join\?token=[A-Za-z0-9_-]{43}/);
    expect(created.body).toContain('Copy this link and send it to');
    const listed = await browser.get('/console/account/administrators');
    expect(listed.body).toContain('b@acme.example');
    expect(listed.body).not.toMatch(/console\/join\?token=/);
  });

  it("does not let an administrator of another account see, remove or reset this account's administrators", async () => {
    const { instance, services, actor } = await setUp();
    const { account: other } = await services.accounts.createAccount(operatorActor, 'Other SaaS');
    await services.admins.createAdmin(operatorActor(other.id), other.id, { email: 'o@other.example', password: PASSWORD });
    const outsider = new ConsoleClient(instance.app);
    await outsider.signIn('o@other.example', PASSWORD);
    const page = await outsider.get('/console/account/administrators');
    expect(page.body).not.toContain('a@acme.example');
    expect((await outsider.get(`/console/account/administrators/${actor.id}/remove`)).statusCode).toBe(404);
    await outsider.get('/console/account/administrators');
    const removal = await outsider.post(`/console/account/administrators/${actor.id}/remove`, {});
    expect(removal.statusCode).toBe(404);
    await outsider.get('/console/account/administrators');
    expect((await outsider.post(`/console/account/administrators/${actor.id}/reset-mfa`, {})).statusCode).toBe(404);
    expect((await services.admins.listAdmins(actor.accountId)).map((a) => a.email)).toEqual(['a@acme.example']);
  });
});
