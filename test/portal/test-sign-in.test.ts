import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleClient } from '../helpers/console-client.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { authnRequestFromRedirect, continueTarget, CUSTOMER_IDP, CUSTOMER_SSO, customerIdpKey, idpResponse } from '../helpers/sso-fixture.js';
import { accountWithCredential, curlBasic, operatorActor, restAppInput, samlAppInput, SP_MANAGED, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const ACS = 'http://localhost:8080/sso/sp/ACS.saml2';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/**
 * The portal's "Test sign-in": the customer's IT admin, through a setup link, signs in through
 * their IdP and our ACS before the connection is active, and sees what their IdP sent; nothing
 * reaches the application.
 */
describe.each(testDialects)('setup portal: Test sign-in (%s)', (dialect) => {
  let instance: TestInstance;
  let accountId: string;
  let auth: string;
  let saasid: string;
  let portal: string;
  let browser: ConsoleClient;

  /** The provider's account and apps; a setup link, through which the customer's admin saved their IdP. */
  async function setUp(env?: Record<string, string>) {
    instance = await startTestApp(dialect, env && { env });
    const account = await accountWithCredential(instance.app);
    accountId = account.accountId;
    auth = curlBasic(account.clientId, account.clientSecret);
    const billing = await instance.app.services.applications.createApplication(
      operatorActor(accountId),
      restAppInput('Billing', { requiredAttributes: [{ name: 'email', required: true }, { name: 'department', required: true }, { name: 'groups', required: false }] }),
    );
    const analytics = await instance.app.services.applications.createApplication(operatorActor(accountId), samlAppInput('Analytics', { requiredAttributes: [{ name: 'employeeId', required: true }] }));
    saasid = billing.saasid;
    const created = await instance.app.inject({ method: 'POST', url: `${SP_MANAGED}/customer001.com/setupLink`, headers: { authorization: auth }, payload: { applications: [saasid, analytics.saasid] } });
    portal = new URL(created.json<{ url: string }>().url).pathname;
    browser = new ConsoleClient(instance.app, '203.0.113.9');
    await browser.get(portal);
    // The admin enters their IdP by hand; the customer is created, not enabled.
    const saved = await browser.post(`${portal}/identity-provider`, { source: 'manual', entityId: CUSTOMER_IDP, ssoUrl: CUSTOMER_SSO, certificate: (await customerIdpKey()).certificatePem });
    expect(saved.statusCode, saved.body).toBe(303);
    expect((await instance.app.services.customers.getCustomer(accountId, 'customer001.com')).enabled).toBe(false);
    // The provider maps the IdP's "dept" to the "department" Billing requires.
    await instance.app.services.customers.putCustomer(operatorActor(accountId), 'customer001.com', {
      entityId: CUSTOMER_IDP,
      ssoUrl: CUSTOMER_SSO,
      certificates: [(await customerIdpKey()).certificatePem],
      applications: [saasid, analytics.saasid],
      enabled: false,
      attributeMapping: { rules: [{ idpAttribute: 'dept', appAttribute: 'department' }] },
    });
  }
  beforeEach(async () => setUp());
  afterEach(async () => instance.close());

  /** Clicks "Test sign-in": the portal sends the browser on to the IdP with our AuthnRequest. */
  async function startTest() {
    const page = await browser.get(portal);
    expect(page.body).toContain('<button type="submit">Test sign-in</button>');
    const started = await browser.post(`${portal}/test-sign-in`, {});
    expect(started.statusCode, started.body).toBe(200);
    return authnRequestFromRedirect(continueTarget(started.body));
  }

  /** The IdP posts its response to our ACS; the browser follows where the ACS sends it. */
  async function idpAnswers(samlResponse: string, relayState: string) {
    const acs = await instance.app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: samlResponse, RelayState: relayState }) });
    expect(acs.statusCode, acs.body).toBe(302);
    expect(acs.headers.location).toBe('http://localhost:8080/setup/test-result');
    const back = await browser.get('/setup/test-result');
    expect(back.statusCode).toBe(303);
    expect(back.headers.location).toBe(`${portal}#test-sign-in`);
    return (await browser.get(portal)).body;
  }

  const tokenCount = async () => (await instance.database.db.selectFrom('sso_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

  it('signs the admin in through their IdP while the connection is not active, shows what the IdP sent, and delivers nothing', async () => {
    const request = await startTest();
    expect(request.url.origin + request.url.pathname).toBe(CUSTOMER_SSO);
    expect(request.xml).toContain(`AssertionConsumerServiceURL="${ACS}"`);
    expect(request.xml).toContain(`<saml:Issuer>http://localhost:8080/saml/sp/${accountId}</saml:Issuer>`);

    // A real sign-in through the same connection is still refused: it is not active.
    const real = await instance.app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${saasid}&idpid=customer001.com` });
    expect(real.statusCode).toBe(303);
    expect(new URL(real.headers.location as string).searchParams.get('error')).toBe('IDP_DISABLED');

    const samlResponse = idpResponse(await customerIdpKey(), {
      destination: ACS,
      audience: `http://localhost:8080/saml/sp/${accountId}`,
      inResponseTo: request.id,
      now: instance.clock.now(),
      attributes: { email: ['alice@customer001.com'], dept: ['Finance'] },
    });
    const shown = await idpAnswers(samlResponse, request.relayState);
    expect(shown).toContain('Test sign-in succeeded');
    expect(shown).toContain('NameID <code>alice@customer001.com</code>');
    expect(shown).toContain('<td><code>email</code></td><td>alice@customer001.com</td>');
    expect(shown).toContain('Required attribute "email": present');
    // After the connection's attribute mapping: "dept" arrives as "department".
    expect(shown).toContain('Required attribute "department": present');
    expect(shown).toContain('Optional attribute "groups": missing');
    expect(shown).toContain('What Analytics needs</h3>\n<ul><li>Required attribute "employeeId": <strong>missing</strong></li></ul>');

    // Nothing reached the application: no token; the sign-in log calls it a test, not a login.
    expect(Number(await tokenCount())).toBe(0);
    const log = (await instance.app.services.ssoLog.list(accountId, {})).events;
    expect(log.map((e) => [e.outcome, e.reason])).toEqual([
      ['test', 'OK'],
      ['failure', 'IDP_DISABLED'],
    ]);
    expect(log[0]!.detail).toContain('Test sign-in from setup link');
    // The link's secret, which the way back to the portal needs, is in no table.
    const secret = portal.split('/').at(-1)!;
    const stored = [...(await instance.database.db.selectFrom('sso_transactions').selectAll().execute()), ...(await instance.database.db.selectFrom('setup_link_test_results').selectAll().execute())];
    expect(stored.length).toBe(2);
    expect(JSON.stringify(stored)).not.toContain(secret);

    // The same response posted again is refused, and still nothing is delivered.
    const replayed = await idpAnswers(samlResponse, request.relayState);
    expect(replayed).toContain('Test sign-in failed');
    expect(replayed).toContain('<code>REQUEST_ALREADY_USED</code> — This sign-in was already completed; the response was posted twice.');
    expect(Number(await tokenCount())).toBe(0);
    expect((await instance.app.services.customers.getCustomer(accountId, 'customer001.com')).enabled).toBe(false);
  });

  it('shows a failed test in plain words in the portal, not at the application', async () => {
    const request = await startTest();
    const samlResponse = idpResponse(await customerIdpKey(), { destination: ACS, audience: 'https://wrong.example.com/sp', inResponseTo: request.id, now: instance.clock.now() });
    const shown = await idpAnswers(samlResponse, request.relayState);
    expect(shown).toContain('Test sign-in failed');
    expect(shown).toContain("<code>WRONG_AUDIENCE</code> — The assertion&#39;s Audience is not our SP entity ID for this connection");
    expect((await instance.app.services.ssoLog.list(accountId, {})).events.map((e) => [e.outcome, e.reason])).toEqual([['test', 'WRONG_AUDIENCE']]);
  });

  it('cannot start a test through a revoked link', async () => {
    await browser.get(portal);
    const { id } = (await instance.app.services.setupLinks.listSetupLinks(accountId, 'customer001.com'))[0]!;
    await instance.app.inject({ method: 'DELETE', url: `${SP_MANAGED}/customer001.com/setupLinks/${id}`, headers: { authorization: auth } });
    const refused = await browser.post(`${portal}/test-sign-in`, {});
    expect(refused.statusCode).toBe(410);
    expect(refused.body).toContain('This setup link was revoked');
    expect(await instance.database.db.selectFrom('sso_transactions').selectAll().execute()).toEqual([]);
  });

  it('over https, marks the way back Secure, HttpOnly, SameSite=Lax under /setup, and binds the sign-in to the browser', async () => {
    await instance.close();
    await setUp({ PUBLIC_URL: 'https://sso.example.com' });
    await browser.get(portal);
    const started = await browser.post(`${portal}/test-sign-in`, {});
    expect(started.statusCode).toBe(200);
    const cookies = [started.headers['set-cookie'] ?? []].flat();
    expect(cookies.find((c) => c.startsWith('__Secure-ssb_portal_test='))).toMatch(/; Max-Age=900; Path=\/setup; HttpOnly; Secure; SameSite=Lax$/);
    expect(cookies.find((c) => c.startsWith('__Host-ssb_sso_'))).toMatch(/SameSite=None/);
  });

  it('does not find its way back to a portal without the cookie the portal set', async () => {
    const page = await new ConsoleClient(instance.app).get('/setup/test-result');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Open your setup link again to see the result of the test.');
  });
});
