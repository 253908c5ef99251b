import { afterAll, describe, expect, it } from 'vitest';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { fieldErrorText, signedInAdmin } from '../helpers/console-admin.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { restAppInput } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const TAB = '/console/account/integration/application';
const GENERATED_SECRET = /ssbs_[A-Za-z0-9_-]{43}/;

describe.each(testDialects)('console: Application Credentials tab (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function setUp() {
    const instance = await apps.start();
    const admin = await signedInAdmin(instance.app);
    const billing = await instance.app.services.applications.createApplication(admin.actor, restAppInput('Billing'));
    return { app: instance.app, ...admin, billing };
  }

  async function openAddForm(browser: Awaited<ReturnType<typeof setUp>>['browser']) {
    const page = await browser.get(`${TAB}/new`);
    expect(page.statusCode).toBe(200);
    return /name="submissionKey" value="([^"]+)"/.exec(page.body)![1]!;
  }

  it('is the third tab of Account › Integration, next to the two existing ones', async () => {
    const { browser } = await setUp();
    const page = await browser.get(TAB);
    expect(page.statusCode).toBe(200);
    const tabs = /<nav class="tabs" aria-label="Integration">([\s\S]*?)<\/nav>/.exec(page.body)![1]!;
    expect([...tabs.matchAll(/>([^<]+)<\/a>/g)].map((m) => m[1])).toEqual(['Global Credentials', 'Connection API Credentials', 'Application Credentials']);
    expect(tabs).toContain(`<a href="${TAB}" class="tab" aria-current="page">Application Credentials</a>`);
    expect(page.body).toContain('No application credentials yet.');
    expect(page.body).toContain('0 of 30 used.');
  });

  it('creates credentials bound to an application and shows the generated secret once, uncached', async () => {
    const { app, browser, accountId, billing } = await setUp();
    const submissionKey = await openAddForm(browser);
    const res = await browser.post(TAB, { submissionKey, saasid: billing.saasid, description: 'Token exchange (prod)' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('Copy the Client Secret now. It will not be shown again.');
    const secret = GENERATED_SECRET.exec(res.body)![0];
    const [stored] = await app.services.credentials.listApplicationCredentials(accountId);
    expect(stored).toMatchObject({ applicationId: billing.saasid, description: 'Token exchange (prod)', kind: 'application' });
    expect(res.body).toContain(stored!.clientId);
    expect(res.body).toContain('Billing');

    const list = await browser.get(TAB);
    expect(list.body).not.toContain(secret);
    expect(list.body).toContain(stored!.clientId);
    expect(list.body).toContain(`ssbs_…${secret.slice(-4)}`);
    expect(list.body).toContain('1 of 30 used.');
  });

  it('does not create again when the page showing the secret is reloaded (the form re-posted)', async () => {
    const { app, browser, accountId, billing } = await setUp();
    const submissionKey = await openAddForm(browser);
    const csrf = browser.csrfToken();
    expect((await browser.post(TAB, { submissionKey, saasid: billing.saasid }, { csrf })).statusCode).toBe(200);
    const again = await browser.post(TAB, { submissionKey, saasid: billing.saasid }, { csrf });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe(`${TAB}?notice=repeated`);
    expect(await app.services.credentials.listApplicationCredentials(accountId)).toHaveLength(1);
  });

  it('names the missing application and an over-long description, and stores nothing', async () => {
    const { app, browser, accountId, billing } = await setUp();
    const noApp = await browser.post(TAB, { submissionKey: await openAddForm(browser), saasid: '', description: 'x' });
    expect(noApp.statusCode).toBe(400);
    expect(fieldErrorText(noApp.body, 'saasid-error')).toBe('must be the saasid (a UUID) of one of your applications');
    const longDescription = await browser.post(TAB, { submissionKey: await openAddForm(browser), saasid: billing.saasid, description: 'x'.repeat(201) });
    expect(longDescription.statusCode).toBe(400);
    expect(fieldErrorText(longDescription.body, 'description-error')).toBe('must be at most 200 characters long');
    expect(longDescription.body).toMatch(new RegExp(`<option value="${billing.saasid}" selected>`));
    expect(await app.services.credentials.listApplicationCredentials(accountId)).toEqual([]);
  });

  it('edits only the description; the Client ID and secret are shown as unchangeable', async () => {
    const { app, browser, accountId, actor, billing } = await setUp();
    const { credential, clientSecret } = await app.services.credentials.createApplicationCredential(actor, { saasid: billing.saasid, description: 'old' });
    const editing = await browser.get(`${TAB}?edit=${credential.id}`);
    expect(editing.body).toContain('The Client ID, the secret and the application cannot be changed.');
    expect(editing.body).not.toContain('name="clientSecret"');
    const res = await browser.post(`${TAB}/${credential.id}`, { description: 'new description' });
    expect(res.headers.location).toBe(`${TAB}?notice=updated`);
    const [stored] = await app.services.credentials.listApplicationCredentials(accountId);
    expect(stored).toMatchObject({ clientId: credential.clientId, description: 'new description', secretHint: credential.secretHint });
    const invalid = await browser.post(`${TAB}/${credential.id}`, { description: 'bad\u0007' });
    expect(invalid.statusCode).toBe(400);
    expect(fieldErrorText(invalid.body, 'edit-description-error')).toBe('must not contain control characters');
    expect((await app.services.credentials.listApplicationCredentials(accountId))[0]!.description).toBe('new description');
    expect(clientSecret).toMatch(GENERATED_SECRET);
  });

  it('deletes credentials after a confirmation', async () => {
    const { app, browser, accountId, actor, billing } = await setUp();
    const { credential } = await app.services.credentials.createApplicationCredential(actor, { saasid: billing.saasid, description: 'to delete' });
    const confirm = await browser.get(`${TAB}/${credential.id}/delete`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain(credential.clientId);
    expect(confirm.body).toContain('will stop working at once');
    const res = await browser.post(`${TAB}/${credential.id}/delete`, {});
    expect(res.headers.location).toBe(`${TAB}?notice=deleted`);
    expect(await app.services.credentials.listApplicationCredentials(accountId)).toEqual([]);
    expect((await browser.get(`${TAB}/${credential.id}/delete`)).statusCode).toBe(404);
  });

  it('stops at 30: Add is disabled with the limit note, and a 31st is refused', async () => {
    const { app, browser, accountId, actor, billing } = await setUp();
    const submissionKey = await openAddForm(browser);
    for (let i = 0; i < 30; i++) await app.services.credentials.createApplicationCredential(actor, { saasid: billing.saasid, description: `#${i}` });
    const list = await browser.get(TAB);
    expect(list.body).toMatch(/<button type="button" class="primary" disabled aria-describedby="limit-note">Add Application Credentials<\/button>/);
    expect(list.body).toContain('An account can have at most 30 application credentials. Delete one to add another.');
    const refused = await browser.post(TAB, { submissionKey, saasid: billing.saasid });
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('at most 30 application credentials');
    expect(await app.services.credentials.listApplicationCredentials(accountId)).toHaveLength(30);
  });

  it('refuses its forms without the CSRF token, and changes nothing', async () => {
    const { app, browser, accountId, actor, billing } = await setUp();
    const { credential } = await app.services.credentials.createApplicationCredential(actor, { saasid: billing.saasid, description: 'kept' });
    const submissionKey = await openAddForm(browser);
    expect((await browser.post(TAB, { submissionKey, saasid: billing.saasid }, { csrf: null })).statusCode).toBe(403);
    expect((await browser.post(`${TAB}/${credential.id}`, { description: 'forged' }, { csrf: null })).statusCode).toBe(403);
    expect((await browser.post(`${TAB}/${credential.id}/delete`, {}, { csrf: null })).statusCode).toBe(403);
    expect(await app.services.credentials.listApplicationCredentials(accountId)).toEqual([expect.objectContaining({ description: 'kept' })]);
  });
});
