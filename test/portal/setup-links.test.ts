import { afterAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { ConsoleClient } from '../helpers/console-client.js';
import { signedInAdmin } from '../helpers/console-admin.js';
import { metadataFixture } from '../helpers/metadata-fixtures.js';
import { accountWithCredential, curlBasic, idpCertificatePem, restAppInput, operatorActor, SP_MANAGED, startTestApp, type TestInstance } from '../helpers/test-app.js';
import { createLogger } from '../../src/logger.js';

afterAll(dropTestDatabases);

describe.each(testDialects)('customer setup links and the self-service portal (%s)', (dialect) => {
  let instance: TestInstance;
  let auth: string;
  let accountId: string;

  beforeEach(async () => {
    instance = await startTestApp(dialect);
    const account = await accountWithCredential(instance.app);
    auth = curlBasic(account.clientId, account.clientSecret);
    accountId = account.accountId;
  });
  afterEach(async () => instance.close());

  const createLink = (idpId: string, body?: unknown) =>
    instance.app.inject({ method: 'POST', url: `${SP_MANAGED}/${encodeURIComponent(idpId)}/setupLink`, headers: { authorization: auth }, ...(body !== undefined && { payload: body as object }) });
  const pathOf = (url: string) => new URL(url).pathname;

  it('creates a link (7 days by default), lists it without its secret, and revokes it', async () => {
    const created = await createLink('customer001.com');
    expect(created.statusCode).toBe(201);
    const { url, expiresAt, id } = created.json<{ url: string; expiresAt: string; id: string }>();
    expect(url).toMatch(/^http:\/\/localhost:8080\/setup\/[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(expiresAt) - instance.clock.now()).toBe(7 * 24 * 3600_000);

    const list = await instance.app.inject({ method: 'GET', url: `${SP_MANAGED}/customer001.com/setupLinks`, headers: { authorization: auth } });
    expect(list.statusCode).toBe(200);
    expect(list.json().setupLinks).toEqual([expect.objectContaining({ id, idpId: 'customer001.com', usedAt: null, revokedAt: null })]);
    expect(list.body).not.toContain(url.split('/').at(-1));

    // Only a hash is kept: the secret is nowhere in the database.
    const rows = await instance.database.db.selectFrom('customer_setup_links').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(url.split('/').at(-1));

    const revoked = await instance.app.inject({ method: 'DELETE', url: `${SP_MANAGED}/customer001.com/setupLinks/${id}`, headers: { authorization: auth } });
    expect(revoked.statusCode).toBe(204);
    const page = await instance.app.inject({ method: 'GET', url: pathOf(url) });
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain('This setup link was revoked');

    const events = (await instance.app.services.audit.list(accountId, { limit: 10 })).events.map((e) => e.action);
    expect(events).toEqual(expect.arrayContaining(['setup_link.created', 'setup_link.revoked']));
  });

  it('keeps older links unless revokeOthers is asked for', async () => {
    const first = (await createLink('customer001.com')).json<{ url: string }>();
    const second = (await createLink('customer001.com')).json<{ url: string }>();
    expect((await instance.app.inject({ method: 'GET', url: pathOf(first.url) })).statusCode).toBe(200);
    await createLink('customer001.com', { revokeOthers: true });
    expect((await instance.app.inject({ method: 'GET', url: pathOf(first.url) })).statusCode).toBe(410);
    expect((await instance.app.inject({ method: 'GET', url: pathOf(second.url) })).statusCode).toBe(410);
  });

  it('refuses a bad lifetime, an unknown saasid and an http returnUrl, naming each field', async () => {
    const res = await createLink('customer001.com', { expiresInMinutes: 0, returnUrl: 'http://app.example.com/done' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['expiresInMinutes', 'returnUrl']);
    const tooLong = await createLink('customer001.com', { expiresInMinutes: 30 * 24 * 60 + 1 });
    expect(tooLong.json().error.fields).toEqual([{ field: 'expiresInMinutes', message: 'must be at most 43200 minutes (30 days)' }]);
    const unknownApp = await createLink('customer001.com', { applications: ['7d8f2a40-1c1b-4a4e-9f0e-2b8c7c9f1a11'] });
    expect(unknownApp.statusCode).toBe(400);
    expect(unknownApp.json().error.fields[0].field).toBe('applications.0');
  });

  it("does not list or revoke another account's links", async () => {
    const { id } = (await createLink('customer001.com')).json<{ id: string }>();
    const other = await accountWithCredential(instance.app, 'Other SaaS');
    const otherAuth = curlBasic(other.clientId, other.clientSecret);
    expect((await instance.app.inject({ method: 'GET', url: `${SP_MANAGED}/customer001.com/setupLinks`, headers: { authorization: otherAuth } })).statusCode).toBe(404);
    const revoke = await instance.app.inject({ method: 'DELETE', url: `${SP_MANAGED}/customer001.com/setupLinks/${id}`, headers: { authorization: otherAuth } });
    expect(revoke.statusCode).toBe(404);
    expect(revoke.json().error.code).toBe('SETUP_LINK_NOT_FOUND');
  });

  it('refuses an expired link and a tampered link with a clear page', async () => {
    const { url } = (await createLink('customer001.com', { expiresInMinutes: 1 })).json<{ url: string }>();
    const tampered = pathOf(url).slice(0, -1) + (url.endsWith('A') ? 'B' : 'A');
    const bad = await instance.app.inject({ method: 'GET', url: tampered });
    expect(bad.statusCode).toBe(404);
    expect(bad.body).toContain('This setup link is not valid');
    instance.clock.advance(60_000);
    const expired = await instance.app.inject({ method: 'GET', url: pathOf(url) });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('This setup link has expired');
  });

  it('lets the customer admin save metadata for a new customer (created not enabled), then Activate; a replayed form changes nothing', async () => {
    await instance.app.services.applications.createApplication(operatorActor(accountId), restAppInput('Billing'));
    const { url } = (await createLink('customer002.com')).json<{ url: string }>();
    const browser = new ConsoleClient(instance.app, '203.0.113.7');
    const page = await browser.get(pathOf(url));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Our details');
    expect(page.body).toContain(`http://localhost:8080/saml/sp/${accountId}`);
    expect(page.body).toContain('Metadata URL');
    expect(page.body).toContain('Metadata XML');
    expect(page.body).toContain('Microsoft Entra ID');

    // Without the CSRF token: refused, nothing created.
    const forged = await browser.post(`${pathOf(url)}/identity-provider`, { source: 'xml', metadataXml: metadataFixture('okta.xml') }, { csrf: null });
    expect(forged.statusCode).toBe(403);
    await expect(instance.app.services.customers.getCustomer(accountId, 'customer002.com')).rejects.toThrow(/No customer/);

    await browser.get(pathOf(url));
    const form = new FormData();
    form.set('source', 'xml');
    form.set('metadataXml', '');
    form.set('metadataFile', new Blob([metadataFixture('okta.xml')], { type: 'application/xml' }), 'okta.xml');
    const saved = await browser.postMultipart(`${pathOf(url)}/identity-provider`, form);
    expect(saved.statusCode).toBe(303);
    const customer = await instance.app.services.customers.getCustomer(accountId, 'customer002.com');
    expect(customer.enabled).toBe(false);
    expect(customer.applications.map((a) => a.name)).toEqual(['Billing']);

    await browser.get(pathOf(url));
    const token = browser.csrfToken();
    const activated = await browser.post(`${pathOf(url)}/activate`, {});
    expect(activated.statusCode).toBe(200);
    expect(activated.body).toContain('Single sign-on is active');
    expect((await instance.app.services.customers.getCustomer(accountId, 'customer002.com')).enabled).toBe(true);

    // Replaying the manual form after Activate: refused, the IdP unchanged.
    const replay = await browser.post(`${pathOf(url)}/identity-provider`, { source: 'manual', entityId: 'https://evil.example/idp', ssoUrl: 'https://evil.example/sso', certificate: await idpCertificatePem() }, { csrf: token });
    expect(replay.statusCode).toBe(412);
    expect((await instance.app.services.customers.getCustomer(accountId, 'customer002.com')).entityId).toBe(customer.entityId);

    const actions = (await instance.app.services.audit.list(accountId, { limit: 20 })).events;
    const use = actions.find((e) => e.action === 'setup_link.used');
    expect(use?.sourceIp).toBe('203.0.113.7');
    expect(actions.map((e) => e.action)).toEqual(expect.arrayContaining(['customer.created', 'customer.enabled', 'setup_link.completed']));
  });

  it("cannot change a live connection: a stolen link cannot point a working connection's users at another IdP", async () => {
    const actor = operatorActor(accountId);
    await instance.app.services.applications.createApplication(actor, restAppInput('Billing'));
    const pem = await idpCertificatePem();
    await instance.app.services.customers.putCustomer(actor, 'live.com', { entityId: 'https://idp.live.com', ssoUrl: 'https://idp.live.com/sso', certificates: [pem], enabled: true });
    const { url } = (await createLink('live.com')).json<{ url: string }>();
    const holder = new ConsoleClient(instance.app, '198.51.100.66');
    await holder.get(pathOf(url));
    const swap = await holder.post(`${pathOf(url)}/identity-provider`, { source: 'manual', entityId: 'https://evil.example/idp', ssoUrl: 'https://evil.example/sso', certificate: pem });
    expect(swap.statusCode).toBe(412);
    expect(swap.body).toContain('This connection is live');
    await holder.get(pathOf(url));
    expect((await holder.post(`${pathOf(url)}/activate`, {})).statusCode).toBe(412);
    const after = await instance.app.services.customers.getCustomer(accountId, 'live.com');
    expect([after.enabled, after.entityId, after.ssoUrl]).toEqual([true, 'https://idp.live.com', 'https://idp.live.com/sso']);
  });

  it('ends the open links when the provider turns the connection on (approval) or off (suspension), and Activate ends the sibling links', async () => {
    const actor = operatorActor(accountId);
    await instance.app.services.applications.createApplication(actor, restAppInput('Billing'));
    const pem = await idpCertificatePem();
    const manual = { source: 'manual', entityId: 'https://idp.pending.com', ssoUrl: 'https://idp.pending.com/sso', certificate: pem };
    const first = (await createLink('pending.com')).json<{ url: string }>().url;
    const second = (await createLink('pending.com')).json<{ url: string }>().url;
    const admin = new ConsoleClient(instance.app, '203.0.113.7');
    await admin.get(pathOf(first));
    expect((await admin.post(`${pathOf(first)}/identity-provider`, manual)).statusCode).toBe(303);
    await admin.get(pathOf(first));
    expect((await admin.post(`${pathOf(first)}/activate`, {})).statusCode).toBe(200);
    // The sibling link was completed with it: it shows the outcome and changes nothing.
    await admin.get(pathOf(second));
    expect((await admin.post(`${pathOf(second)}/identity-provider`, { ...manual, entityId: 'https://evil.example/idp' }, { csrf: null })).statusCode).toBeGreaterThanOrEqual(400);

    // The provider suspends the connection: a new link cannot re-enable it after that, because
    // turning it off ends every open link.
    const third = (await createLink('pending.com')).json<{ url: string }>().url;
    await instance.app.services.customers.setCustomerEnabled(actor, 'pending.com', false);
    expect((await admin.get(pathOf(third))).statusCode).toBe(410);
    expect((await instance.app.services.customers.getCustomer(accountId, 'pending.com')).enabled).toBe(false);
    const links = await instance.app.services.setupLinks.listSetupLinks(accountId, 'pending.com');
    expect(links.filter((l) => l.revokedAt === null && l.completedAt === null)).toEqual([]);
  });

  it("touches only its own customer: bad metadata is refused with the field, another customer's IdP is unchanged", async () => {
    const pem = await idpCertificatePem();
    await instance.app.services.customers.putCustomer(operatorActor(accountId), 'other.com', { entityId: 'https://idp.other.com', ssoUrl: 'https://idp.other.com/sso', certificates: [pem] });
    const { url } = (await createLink('customer003.com')).json<{ url: string }>();
    const browser = new ConsoleClient(instance.app);
    await browser.get(pathOf(url));
    const bad = await browser.post(`${pathOf(url)}/identity-provider`, { source: 'url', metadataUrl: 'http://idp.example.com/metadata' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('must be an absolute https:// URL');
    // Metadata the bounded pre-scan refuses (a DTD): a clear message, nothing created.
    await browser.get(pathOf(url));
    const hostile = await browser.post(`${pathOf(url)}/identity-provider`, { source: 'xml', metadataXml: '<!DOCTYPE md [<!ENTITY x "y">]><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&x;"/>' });
    expect(hostile.statusCode).toBe(400);
    expect(hostile.body).toMatch(/DTD|DOCTYPE/i);
    await expect(instance.app.services.customers.getCustomer(accountId, 'customer003.com')).rejects.toThrow(/No customer/);
    await browser.get(pathOf(url));
    // An idpId in the form is not read: the link decides the customer.
    const saved = await browser.post(`${pathOf(url)}/identity-provider`, { source: 'manual', idpId: 'other.com', entityId: 'https://idp.customer003.com', ssoUrl: 'https://idp.customer003.com/sso', certificate: pem });
    expect(saved.statusCode).toBe(303);
    expect((await instance.app.services.customers.getCustomer(accountId, 'other.com')).entityId).toBe('https://idp.other.com');
    expect((await instance.app.services.customers.getCustomer(accountId, 'customer003.com')).entityId).toBe('https://idp.customer003.com');
  });

  it('creates, shows once and revokes a link from the console customer page', async () => {
    const { browser, accountId: consoleAccount, actor } = await signedInAdmin(instance.app, 'Console SaaS');
    await instance.app.services.customers.putCustomer(actor, 'customer004.com', { entityId: 'https://idp.customer004.com', ssoUrl: 'https://idp.customer004.com/sso', certificates: [await idpCertificatePem()] });
    const detail = await browser.get('/console/customer-connections/idp/customer004.com');
    expect(detail.body).toContain('Create setup link');
    await browser.get('/console/customer-connections/idp/customer004.com/setup-links');
    const wrong = await browser.post('/console/customer-connections/idp/customer004.com/setup-links', { expiresInMinutes: '50000' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('must be at most 43200 minutes');
    await browser.get('/console/customer-connections/idp/customer004.com/setup-links');
    const created = await browser.post('/console/customer-connections/idp/customer004.com/setup-links', { expiresInMinutes: '60' });
    expect(created.statusCode).toBe(200);
    const shown = /id="setup-link-url" type="text" readonly value="([^"]+)"/.exec(created.body)?.[1];
    expect(shown).toMatch(/\/setup\//);
    const list = await browser.get('/console/customer-connections/idp/customer004.com/setup-links');
    expect(list.body).not.toContain(shown!.split('/').at(-1));
    const linkId = (await instance.app.services.setupLinks.listSetupLinks(consoleAccount, 'customer004.com'))[0]!.id;
    const revoke = await browser.post(`/console/customer-connections/idp/customer004.com/setup-links/${linkId}/revoke`, {});
    expect(revoke.statusCode).toBe(303);
    expect((await instance.app.inject({ method: 'GET', url: pathOf(shown!) })).statusCode).toBe(410);
    // Another account's customer: 404.
    expect((await browser.get('/console/customer-connections/idp/customer001.com/setup-links')).statusCode).toBe(404);
  });
});

describe('request logging', () => {
  it('never writes a setup link secret', () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => lines.push(line) });
    logger.info({ req: { method: 'GET', url: '/setup/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde/identity-provider', ip: '127.0.0.1' } }, 'request');
    expect(lines.join('')).not.toContain('AbCdEfGh');
    expect(lines.join('')).toContain('/setup/[REDACTED]/identity-provider');
  });
});
