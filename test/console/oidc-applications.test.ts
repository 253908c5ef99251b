import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { fieldErrorText, signedInAdmin, textareaValue, unescapeHtml } from '../helpers/console-admin.js';
import type { ConsoleClient } from '../helpers/console-client.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { oidcAppInput } from '../helpers/oidc-app-input.js';
import { accountWithCredential, curlBasic, operatorActor, restAppInput } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const APPS = '/console/applications';
const GENERATED_SECRET = /ssbs_[A-Za-z0-9_-]{43}/;

/** The "Add OIDC application" form as an admin fills it in. */
const oidcForm = (overrides: Record<string, string> = {}) => ({
  name: 'Dashboard',
  enabled: 'true',
  redirectUris: 'https://dashboard.example.com/oidc/callback\nhttp://localhost:3000/callback',
  postLogoutRedirectUris: 'https://dashboard.example.com/bye',
  refreshTokens: 'true',
  pkceRequired: 'true',
  tokenEndpointAuthMethod: 'client_secret_post',
  accessTokenLifetimeMinutes: '15',
  requiredAttributes: 'email\ndepartment,optional',
  ...overrides,
});

async function openAddForm(browser: ConsoleClient) {
  const page = await browser.get(`${APPS}/new/oidc`);
  expect(page.statusCode).toBe(200);
  return /name="submissionKey" value="([^"]+)"/.exec(page.body)![1]!;
}

describe.each(testDialects)('console: OIDC applications (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function setUp() {
    const instance = await apps.start();
    const admin = await signedInAdmin(instance.app);
    return { instance, app: instance.app, ...admin };
  }

  it('adds an OIDC application through the form and shows its first client secret once, uncached', async () => {
    const { instance, app, browser, accountId } = await setUp();
    const list = await browser.get(APPS);
    expect(list.body).toContain(`<a href="${APPS}/new/oidc" class="button primary">Add OIDC application</a>`);
    const form = await browser.get(`${APPS}/new/oidc`);
    expect(form.body).toContain('<h1>Add OIDC application</h1>');
    expect(form.body).toMatch(/<input type="checkbox" id="app-pkceRequired" name="pkceRequired" value="true" checked/);
    const submissionKey = /name="submissionKey" value="([^"]+)"/.exec(form.body)![1]!;

    const res = await browser.post(`${APPS}/new/oidc`, { submissionKey, ...oidcForm() });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('Copy the client secret now. It will not be shown again.');
    const secret = GENERATED_SECRET.exec(res.body)![0];
    const [created] = await app.services.applications.listApplications(accountId);
    expect(created).toMatchObject({
      kind: 'oidc',
      name: 'Dashboard',
      redirectUris: ['https://dashboard.example.com/oidc/callback', 'http://localhost:3000/callback'],
      postLogoutRedirectUris: ['https://dashboard.example.com/bye'],
      refreshTokens: true,
      pkceRequired: true,
      allowPlainPkce: false,
      tokenEndpointAuthMethod: 'client_secret_post',
      accessTokenLifetimeMinutes: 15,
      requiredAttributes: [
        { name: 'email', required: true },
        { name: 'department', required: false },
      ],
    });
    expect(res.body).toContain(created!.saasid);
    const rows = await instance.database.db.selectFrom('oidc_client_secrets').select('secret_hash').execute();
    expect(rows).toEqual([{ secret_hash: createHash('sha256').update(secret).digest('hex') }]);

    // The application's page: how its OpenID Connect library finds us, and the secret's hint only.
    const page = await browser.get(`${APPS}/${created!.saasid}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(secret);
    expect(page.body).toContain(`ssbs_…${secret.slice(-4)}`);
    const publicUrl = instance.config.publicUrl;
    for (const url of [
      `${publicUrl}/${created!.saasid}/.well-known/openid-configuration`,
      `${publicUrl}/${created!.saasid}`,
      `${publicUrl}/sso/as/authorization.oauth2`,
      `${publicUrl}/sso/as/token.oauth2`,
      `${publicUrl}/sso/as/introspect.oauth2`,
      `${publicUrl}/sso/as/jwks`,
    ]) {
      expect(page.body).toContain(url);
    }
    expect(page.body).toContain('<dt>Kind</dt><dd>OIDC application</dd>');
    expect(textareaValue(page.body, 'app-redirectUris')).toBe('https://dashboard.example.com/oidc/callback\nhttp://localhost:3000/callback');
    expect((await browser.get(APPS)).body).toMatch(new RegExp(`${created!.name}</a></th>\\s*<td>OIDC</td>`));
  });

  it('names the bad redirect URI by its line, and the lifetime out of range, keeping what was typed', async () => {
    const { app, browser, accountId } = await setUp();
    const res = await browser.post(`${APPS}/new/oidc`, {
      submissionKey: await openAddForm(browser),
      ...oidcForm({ redirectUris: 'https://dashboard.example.com/cb\nhttp://example.com/cb\nhttps://dashboard.example.com/x#frag', accessTokenLifetimeMinutes: '61' }),
    });
    expect(res.statusCode).toBe(400);
    expect(unescapeHtml(fieldErrorText(res.body, 'app-redirectUris-error')!)).toBe(
      'line 2: must be an https:// URL (http:// is accepted only for localhost, 127.0.0.1 and [::1]); line 3: must not contain a fragment (#)',
    );
    expect(fieldErrorText(res.body, 'app-accessTokenLifetimeMinutes-error')).toBe('must be at most 60 minutes');
    expect(unescapeHtml(textareaValue(res.body, 'app-redirectUris')!)).toContain('http://example.com/cb');

    const zero = await browser.post(`${APPS}/new/oidc`, { submissionKey: await openAddForm(browser), ...oidcForm({ accessTokenLifetimeMinutes: '0' }) });
    expect(fieldErrorText(zero.body, 'app-accessTokenLifetimeMinutes-error')).toBe('must be at least 1 minute');
    const none = await browser.post(`${APPS}/new/oidc`, { submissionKey: await openAddForm(browser), ...oidcForm({ redirectUris: '' }) });
    expect(fieldErrorText(none.body, 'app-redirectUris-error')).toBe('must have at least 1 redirect URI');
    expect(await app.services.applications.listApplications(accountId)).toEqual([]);
  });

  it('adds a second secret shown once, then disables "Add Secret" and refuses a third', async () => {
    const { app, browser, actor } = await setUp();
    const { saasid } = await app.services.applications.createApplication(actor, oidcAppInput());
    const page = await browser.get(`${APPS}/${saasid}`);
    expect(page.body).toContain('1 of 2 used.');
    const submissionKey = /action="\/console\/applications\/[^"]+\/secrets">[\s\S]*?name="submissionKey" value="([^"]+)"/.exec(page.body)![1]!;
    const csrf = browser.csrfToken();

    const added = await browser.post(`${APPS}/${saasid}/secrets`, { submissionKey }, { csrf });
    expect(added.statusCode).toBe(200);
    expect(added.headers['cache-control']).toBe('no-store');
    const secret = GENERATED_SECRET.exec(added.body)![0];
    // Reloading the page that showed it re-posts the form: no other secret is made.
    const again = await browser.post(`${APPS}/${saasid}/secrets`, { submissionKey }, { csrf });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe(`${APPS}/${saasid}?notice=secret-repeated`);

    const full = await browser.get(`${APPS}/${saasid}`);
    expect(full.body).not.toContain(secret);
    expect(full.body).toContain(`ssbs_…${secret.slice(-4)}`);
    expect(full.body).toContain('<button type="button" class="primary" disabled aria-describedby="secret-limit-note">Add Secret</button>');
    expect(full.body).toContain('An OIDC application can have at most 2 client secrets. Delete one to add another.');
    const third = await browser.post(`${APPS}/${saasid}/secrets`, { submissionKey: app.services.formSubmissions.newKey() });
    expect(third.statusCode).toBe(409);
    expect(third.body).toContain('An OIDC application can have at most 2 client secrets. Delete one to add another.');
    expect(await app.services.oidcClientSecrets.listSecrets(actor.accountId, saasid)).toHaveLength(2);
  });

  it('deletes a secret after a confirmation, and keeps the last one', async () => {
    const { app, browser, actor } = await setUp();
    const { saasid, firstClientSecret } = await app.services.applications.createApplication(actor, oidcAppInput());
    const lonely = await browser.get(`${APPS}/${saasid}`);
    expect(lonely.body).toContain('The only secret: add another before deleting it.');
    expect(lonely.body).not.toContain(`${APPS}/${saasid}/secrets/${firstClientSecret!.view.id}/delete`);
    const refused = await browser.post(`${APPS}/${saasid}/secrets/${firstClientSecret!.view.id}/delete`, {});
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('keeps at least one client secret');

    const second = await app.services.oidcClientSecrets.addSecret(actor, saasid);
    const page = await browser.get(`${APPS}/${saasid}`);
    expect(page.body).toContain(`href="${APPS}/${saasid}/secrets/${firstClientSecret!.view.id}/delete"`);
    const confirm = await browser.get(`${APPS}/${saasid}/secrets/${firstClientSecret!.view.id}/delete`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain(firstClientSecret!.view.hint);
    expect(confirm.body).toContain('stops working at once');
    const deleted = await browser.post(`${APPS}/${saasid}/secrets/${firstClientSecret!.view.id}/delete`, {});
    expect(deleted.statusCode).toBe(303);
    expect(deleted.headers.location).toBe(`${APPS}/${saasid}?notice=secret-deleted`);
    expect((await browser.get(String(deleted.headers.location))).body).toContain('Client secret deleted.');
    expect(await app.services.oidcClientSecrets.listSecrets(actor.accountId, saasid)).toEqual([second.view]);
    const { events } = await app.services.audit.list(actor.accountId, { limit: 1 });
    expect(events[0]).toMatchObject({ action: 'oidc_client_secret.deleted', actorKind: 'admin', targetId: saasid });
  });

  it('has no client secrets section or secret routes for a REST application', async () => {
    const { app, browser, actor } = await setUp();
    const { saasid } = await app.services.applications.createApplication(actor, restAppInput());
    const page = await browser.get(`${APPS}/${saasid}`);
    expect(page.body).not.toContain('Client secrets');
    expect(page.body).not.toContain('/.well-known/openid-configuration');
    const post = await browser.post(`${APPS}/${saasid}/secrets`, { submissionKey: app.services.formSubmissions.newKey() });
    expect(post.statusCode).toBe(409);
    expect(post.body).toContain('Only OIDC applications have client secrets; Billing is a REST application.');
  });

  it("does not offer initsso on an OIDC app's Test page, and says how to test it", async () => {
    const { app, browser, actor } = await setUp();
    const { saasid } = await app.services.applications.createApplication(actor, oidcAppInput());
    const page = await browser.get(`${APPS}/${saasid}/test`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('Start Single Sign-On');
    expect(page.body).toContain('An OIDC application is tested by starting an authorization request from the application itself');
    expect(page.body).toContain('docs/oidc.md');
    const start = await browser.post(`${APPS}/${saasid}/test`, {});
    expect(start.statusCode).toBe(404);
  });
});

describe.each(testDialects)('API: OIDC applications (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  it('lists and reads an OIDC application with its fields, and never a secret', async () => {
    const { app } = await apps.start();
    const { accountId, clientId, clientSecret } = await accountWithCredential(app);
    const created = await app.services.applications.createApplication(operatorActor(accountId), oidcAppInput('Dashboard', { accessTokenLifetimeMinutes: 30 }));
    const headers = { authorization: curlBasic(clientId, clientSecret) };
    const listed = await app.inject({ method: 'GET', url: '/web-portal/rest/saas/idp/2.0/applications', headers });
    expect(listed.statusCode).toBe(200);
    const expected = {
      saasid: created.saasid,
      name: 'Dashboard',
      kind: 'oidc',
      enabled: true,
      redirectUris: ['https://dashboard.example.com/oidc/callback', 'http://localhost:3000/callback'],
      postLogoutRedirectUris: [],
      refreshTokens: false,
      pkceRequired: true,
      allowPlainPkce: false,
      tokenEndpointAuthMethod: 'client_secret_basic',
      accessTokenLifetimeMinutes: 30,
      requiredAttributes: [{ name: 'email', required: true }],
      createdAt: new Date(created.createdAt).toISOString(),
      updatedAt: new Date(created.updatedAt).toISOString(),
    };
    expect(listed.json()).toEqual({ applications: [expected] });
    const read = await app.inject({ method: 'GET', url: `/web-portal/rest/saas/idp/2.0/applications/${created.saasid}`, headers });
    expect(read.json()).toEqual(expected);
    expect(listed.body + read.body).not.toContain(created.firstClientSecret!.secret.slice(5));
  });
});
