import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unescapeHtml } from '../helpers/console-admin.js';
import { ConsoleClient } from '../helpers/console-client.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { metadataFixture } from '../helpers/metadata-fixtures.js';
import { accountWithCredential, curlBasic, operatorActor, restAppInput, SP_MANAGED, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const PASSWORD = 'correct horse battery staple';
const CUSTOMERS = '/console/customer-connections';

describe.each(testDialects)('invited customers, provider approval and the test IdP marker (%s)', (dialect) => {
  let instance: TestInstance;
  let auth: string;
  let accountId: string;
  /** The provider's admin, signed in to the console of the same account the API credential belongs to. */
  let console_: ConsoleClient;

  beforeEach(async () => {
    instance = await startTestApp(dialect);
    const account = await accountWithCredential(instance.app);
    auth = curlBasic(account.clientId, account.clientSecret);
    accountId = account.accountId;
    await instance.app.services.admins.createAdmin(operatorActor(accountId), accountId, { email: 'admin@saas.example', password: PASSWORD });
    console_ = new ConsoleClient(instance.app);
    expect((await console_.signIn('admin@saas.example', PASSWORD)).statusCode).toBe(303);
  });
  afterEach(async () => instance.close());

  const api = (method: 'GET' | 'POST', path: string, payload?: object) =>
    instance.app.inject({ method, url: `${SP_MANAGED}/${path}`, headers: { authorization: auth }, ...(payload && { payload }) });
  const pathOf = (url: string) => new URL(url).pathname;

  /** The customer admin opens the link and saves an IdP (Okta metadata); the portal creates the customer. */
  async function saveIdp(url: string): Promise<ConsoleClient> {
    const portal = new ConsoleClient(instance.app, '198.51.100.20');
    await portal.get(pathOf(url));
    const saved = await portal.post(`${pathOf(url)}/identity-provider`, { source: 'xml', metadataXml: metadataFixture('okta.xml') });
    expect(saved.statusCode).toBe(303);
    return portal;
  }

  it('lists an invited customer at once, with its link expiry and Customer Email, until its admin saves the IdP', async () => {
    const created = await api('POST', 'newco.example/setupLink', { contactEmail: 'it-admin@newco.example', expiresInMinutes: 120 });
    expect(created.statusCode).toBe(201);
    const { url, expiresAt } = created.json<{ url: string; expiresAt: string }>();

    // The API: no customer yet (404 as before), but its links are listed, with the invited address.
    expect((await api('GET', 'newco.example')).statusCode).toBe(404);
    const links = await api('GET', 'newco.example/setupLinks');
    expect(links.statusCode).toBe(200);
    expect(links.json().setupLinks).toEqual([expect.objectContaining({ idpId: 'newco.example', contactEmail: 'it-admin@newco.example', activationRequestedAt: null })]);

    const list = unescapeHtml((await console_.get(CUSTOMERS)).body);
    expect(list).toContain("Invited — waiting for the customer's identity provider");
    expect(list).toContain('Invited: it-admin@newco.example');
    expect(list).toContain(`datetime="${expiresAt}"`);
    expect(list).toContain(`href="${CUSTOMERS}/idp/newco.example/setup-links"`);
    // Filtering for enabled customers leaves it out: it is not enabled.
    expect((await console_.get(`${CUSTOMERS}?enabled=true`)).body).not.toContain('newco.example');

    // Its setup-links page works before the customer exists, and revokes from there.
    const linksPage = await console_.get(`${CUSTOMERS}/idp/newco.example/setup-links`);
    expect(linksPage.statusCode).toBe(200);
    expect(linksPage.body).toContain('it-admin@newco.example');
    expect(unescapeHtml(linksPage.body)).toContain("Invited — waiting for the customer's identity provider");
    expect(linksPage.body).toContain(`href="${CUSTOMERS}">← Customer Connections`);
    // A second link from the console, naming another admin: the newest named address is shown.
    instance.clock.advance(1000);
    const second = await console_.post(`${CUSTOMERS}/idp/newco.example/setup-links`, { expiresInMinutes: '60', contactEmail: 'second-admin@newco.example' });
    expect(second.statusCode).toBe(200);
    expect(second.body).toContain('id="setup-link-url"');
    expect((await console_.get(CUSTOMERS)).body).toContain('Invited: second-admin@newco.example');
    await console_.get(`${CUSTOMERS}/idp/newco.example/setup-links`);
    const badEmail = await console_.post(`${CUSTOMERS}/idp/newco.example/setup-links`, { expiresInMinutes: '60', contactEmail: 'not an address' });
    expect(badEmail.statusCode).toBe(400);
    expect(badEmail.body).toContain('must be an email address');
    // No link and no customer: still a 404.
    expect((await console_.get(`${CUSTOMERS}/idp/nobody.example/setup-links`)).statusCode).toBe(404);

    await saveIdp(url);
    const customer = await instance.app.services.customers.getCustomer(accountId, 'newco.example');
    expect(customer.enabled).toBe(false);
    // The link it was saved through names the address.
    expect(customer.contactEmail).toBe('it-admin@newco.example');
    const after = await console_.get(CUSTOMERS);
    expect(after.body).not.toContain('Invited — waiting');
    expect(after.body).toContain(`href="${CUSTOMERS}/idp/newco.example"`);
  });

  it('drops an invited customer from the list when its links are revoked or expire', async () => {
    await api('POST', 'revoked.example/setupLink', {});
    await api('POST', 'expiring.example/setupLink', { expiresInMinutes: 1 });
    const before = (await console_.get(CUSTOMERS)).body;
    expect(before).toContain('revoked.example');
    expect(before).toContain('expiring.example');

    const linkId = (await instance.app.services.setupLinks.listSetupLinks(accountId, 'revoked.example'))[0]!.id;
    await console_.get(`${CUSTOMERS}/idp/revoked.example/setup-links`);
    expect((await console_.post(`${CUSTOMERS}/idp/revoked.example/setup-links/${linkId}/revoke`, {})).statusCode).toBe(303);
    instance.clock.advance(60_000);
    const after = (await console_.get(CUSTOMERS)).body;
    expect(after).not.toContain('revoked.example');
    expect(after).not.toContain('expiring.example');
    expect(after).toContain('No customer connections yet.');
  });

  it("carries the invitation's Customer Email to the customer the portal creates", async () => {
    const billing = await instance.app.services.applications.createApplication(operatorActor(accountId), restAppInput('Billing'));
    const invitation = await instance.app.services.invitations.createInvitation(operatorActor(accountId), {
      email: 'sso-team@invited.example',
      idpId: 'invited.example',
      applications: [billing.saasid],
    });
    expect((await console_.get(CUSTOMERS)).body).toContain('Invited: sso-team@invited.example');
    await saveIdp(invitation.url);
    expect((await instance.app.services.customers.getCustomer(accountId, 'invited.example')).contactEmail).toBe('sso-team@invited.example');
  });

  it('lets the customer admin Activate by default', async () => {
    const settingsPage = await console_.get('/console/account/customer-portal');
    expect(settingsPage.body).toMatch(/name="customerAdminsMayActivate" value="true"[^>]* checked/);
    const { url } = (await api('POST', 'selfserve.example/setupLink', {})).json<{ url: string }>();
    const portal = await saveIdp(url);
    const page = await portal.get(pathOf(url));
    expect(page.body).toContain('>Activate</button>');
    expect(page.body).not.toContain('Request activation');
    expect((await portal.post(`${pathOf(url)}/activate`, {})).body).toContain('Single sign-on is active');
    expect((await instance.app.services.customers.getCustomer(accountId, 'selfserve.example')).enabled).toBe(true);
  });

  it('turns Activate into "Request activation" when the provider keeps approval for itself', async () => {
    await console_.get('/console/account/customer-portal');
    const saved = await console_.post('/console/account/customer-portal', {});
    expect(saved.statusCode).toBe(303);
    expect((await console_.get('/console/account/customer-portal')).body).not.toMatch(/name="customerAdminsMayActivate" value="true"[^>]* checked/);

    const { url } = (await api('POST', 'approved.example/setupLink', {})).json<{ url: string }>();
    const portal = await saveIdp(url);
    const page = await portal.get(pathOf(url));
    expect(page.body).toContain('>Request activation</button>');
    expect(page.body).not.toContain('>Activate</button>');

    const requested = await portal.post(`${pathOf(url)}/activate`, {});
    expect(requested.statusCode).toBe(200);
    expect(requested.body).toContain('Activation requested');
    expect((await instance.app.services.customers.getCustomer(accountId, 'approved.example')).enabled).toBe(false);
    // The link stays usable and says the request is pending; a replay records nothing more.
    const again = await portal.get(pathOf(url));
    expect(again.body).toContain('Activation was requested');
    await portal.post(`${pathOf(url)}/activate`, { _csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]! });

    const events = (await instance.app.services.audit.list(accountId, { limit: 50 })).events.map((e) => e.action);
    expect(events.filter((a) => a === 'setup_link.activation_requested')).toHaveLength(1);
    expect(events).toContain('portal_settings.updated');
    expect(events).not.toContain('customer.enabled');

    const detail = await console_.get(`${CUSTOMERS}/idp/approved.example`);
    expect(unescapeHtml(detail.body)).toContain("Activation requested by the customer's IT admin");
    const apiLinks = (await api('GET', 'approved.example/setupLinks')).json<{ setupLinks: { activationRequestedAt: string | null }[] }>();
    expect(apiLinks.setupLinks[0]!.activationRequestedAt).toBe(new Date(instance.clock.now()).toISOString());

    // The provider enables it (its approval): the notice goes away, and the link is completed, so
    // the portal says the connection is active and can no longer change what was approved.
    await instance.app.services.customers.setCustomerEnabled(operatorActor(accountId), 'approved.example', true);
    expect(unescapeHtml((await console_.get(`${CUSTOMERS}/idp/approved.example`)).body)).not.toContain('Activation requested by');
    const afterApproval = await portal.get(pathOf(url));
    expect(afterApproval.body).toContain('Single sign-on is active');
    expect(afterApproval.body).not.toContain('name="_csrf"');
  });

  it('marks the built-in test connection with testIdp: true in the API, and no other customer', async () => {
    await instance.app.services.testIdp.ensureTestIdp(operatorActor(accountId));
    const testIdpId = (await instance.app.services.testIdp.testIdpIdOf(accountId))!;
    const testConnection = await api('GET', encodeURIComponent(testIdpId));
    expect(testConnection.statusCode).toBe(200);
    expect(testConnection.json()).toMatchObject({ idpId: testIdpId, testIdp: true });

    const put = await instance.app.inject({
      method: 'PUT',
      url: `${SP_MANAGED}/customer.example`,
      headers: { authorization: auth, 'content-type': 'application/json' },
      payload: { metadataXml: metadataFixture('okta.xml') },
    });
    expect(put.statusCode).toBe(201);
    expect(put.json().testIdp).toBe(false);
    expect((await api('GET', 'customer.example')).json().testIdp).toBe(false);
  });
});
