import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { findTestIdp } from '../../src/db/repositories/test-idp-repository.js';
import { testIdpKeyContext } from '../../src/domain/keys/sealed-secrets.js';
import { buildSignedResponse, type SigningKey } from '../../src/saml/response-builder.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { signedInAdmin, unescapeHtml } from '../helpers/console-admin.js';
import type { ConsoleClient } from '../helpers/console-client.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { authnRequestFromRedirect, autoPostForm, CUSTOMER_IDP, CUSTOMER_SSO } from '../helpers/sso-fixture.js';
import { curlBasic, restAppInput, samlAppInput, idpCertificatePem } from '../helpers/test-app.js';
import { generateSigningKeyPair } from '../../src/saml/signing-key-pair.js';

afterAll(dropTestDatabases);

const BASE = 'http://localhost:8080';
const pathOf = (location: unknown) => {
  const url = new URL(String(location), BASE);
  return `${url.pathname}${url.search}`;
};
const errorOf = (location: unknown) => new URL(String(location)).searchParams.get('error');
const hidden = (html: string, name: string) => unescapeHtml(new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html)?.[1] ?? '');

/** An account with an admin signed in to the console and a REST app with its application credential. */
async function developer(app: App, name = 'Acme SaaS') {
  const admin = await signedInAdmin(app, name);
  const rest = await app.services.applications.createApplication(admin.actor, restAppInput('Billing', { requiredAttributes: [{ name: 'email', required: true }, { name: 'department', required: false }] }));
  const credential = await app.services.credentials.createApplicationCredential(admin.actor, { saasid: rest.saasid, description: 'billing backend' });
  return { ...admin, rest, appAuthorization: curlBasic(credential.credential.clientId, credential.clientSecret) };
}

/** The Test page's password, and the sign-in page reached through "Start Single Sign-On". */
async function startTest(browser: ConsoleClient, saasid: string) {
  const testPage = await browser.get(`/console/applications/${saasid}/test`);
  expect(testPage.statusCode, testPage.body).toBe(200);
  const password = unescapeHtml(/<code id="test-idp-password"[^>]*>([^<]*)<\/code>/.exec(testPage.body)![1]!);
  const idpId = /<code id="test-idp-id">([^<]*)<\/code>/.exec(testPage.body)![1]!;
  const start = await browser.post(`/console/applications/${saasid}/test`, {});
  expect(start.statusCode, start.body).toBe(303);
  expect(start.headers.location).toBe(`/sso/sp/initsso?saasid=${saasid}&idpid=${idpId}`);
  const initsso = await browser.get(String(start.headers.location));
  expect(initsso.statusCode, initsso.body).toBe(302);
  const signInPage = await browser.get(pathOf(initsso.headers.location));
  return { password, idpId, initsso, signInPage };
}

async function signInAs(browser: ConsoleClient, accountId: string, username: string, password: string, remoteHtml?: string) {
  const page = remoteHtml ?? browser.lastHtml;
  // The form's CSRF token is the one of the last sign-in page shown (its cookie was set with it).
  const csrf = /name="_csrf"/.test(browser.lastHtml) ? undefined : hidden(page, '_csrf');
  return browser.post(`/sso/test-idp/${accountId}/sign-in`, { SAMLRequest: hidden(page, 'SAMLRequest'), RelayState: hidden(page, 'RelayState'), username, password }, { csrf });
}

describe.each(testDialects)('Built-in test IdP (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  it('signs testuser1 in from the Test page to the REST app, whose token exchange gives the configured attributes', async () => {
    const { app } = await apps.start();
    const d = await developer(app);
    await d.browser.get('/console/test-idp');
    const saved = await d.browser.post('/console/test-idp/attributes', { testuser1: 'department=Engineering\nfavouriteColour=green' });
    expect(saved.statusCode, saved.body).toBe(303);

    const { password, idpId, initsso, signInPage } = await startTest(d.browser, d.rest.saasid);
    // Our signed AuthnRequest went to the test IdP by HTTP-Redirect, as to any customer's IdP.
    expect(String(initsso.headers.location).startsWith(`${BASE}/sso/test-idp/${d.accountId}/sso?SAMLRequest=`)).toBe(true);
    expect(signInPage.statusCode, signInPage.body).toBe(200);
    expect(signInPage.body).toContain('testuser1@example.com');
    expect(signInPage.body).toContain('test@example.com');
    expect(signInPage.body).not.toContain(password);

    const signedIn = await signInAs(d.browser, d.accountId, 'testuser1', password);
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    const toAcs = autoPostForm(signedIn.body);
    expect(toAcs.action).toBe(`${BASE}/sso/sp/ACS.saml2`);
    const acs = await d.browser.post('/sso/sp/ACS.saml2', toAcs.fields, { csrf: null });
    expect(acs.statusCode, acs.body).toBe(200);
    const toApp = autoPostForm(acs.body);
    expect(toApp.action).toBe('https://app.example.com/sso/landing');

    const exchange = await app.inject({ method: 'GET', url: `/sso/TXS/2.0/1/${toApp.fields.tokenid}`, headers: { authorization: d.appAuthorization } });
    expect(exchange.statusCode, exchange.body).toBe(200);
    expect(exchange.json()).toMatchObject({
      'pingone.subject': 'testuser1@example.com',
      'pingone.idp.id': idpId,
      email: 'testuser1@example.com',
      department: 'Engineering',
    });
    // Only what the application asks for is delivered (its required attributes).
    expect(exchange.json()).not.toHaveProperty('favouriteColour');
    const [logged] = (await app.services.ssoLog.list(d.accountId, {})).events;
    expect(logged).toMatchObject({ outcome: 'success', idpId, saasid: d.rest.saasid });
  });

  it('delivers a signed assertion to a SAML application, and takes the AuthnRequest by HTTP-POST too', async () => {
    const { app } = await apps.start();
    const d = await developer(app);
    const saml = await app.services.applications.createApplication(d.actor, samlAppInput('Analytics'));
    const { password, initsso } = await startTest(d.browser, saml.saasid);

    // The same request by the POST binding (base64, not deflated) shows the same sign-in form.
    const request = authnRequestFromRedirect(String(initsso.headers.location));
    const byPost = await d.browser.post(`/sso/test-idp/${d.accountId}/sso`, { SAMLRequest: Buffer.from(request.xml).toString('base64'), RelayState: request.relayState }, { csrf: null });
    expect(byPost.statusCode, byPost.body).toBe(200);
    expect(hidden(byPost.body, 'RelayState')).toBe(request.relayState);

    const signedIn = await signInAs(d.browser, d.accountId, 'test', password);
    const acs = await d.browser.post('/sso/sp/ACS.saml2', autoPostForm(signedIn.body).fields, { csrf: null });
    expect(acs.statusCode, acs.body).toBe(200);
    const toApp = autoPostForm(acs.body);
    expect(toApp.action).toBe('https://analytics.example.com/saml/acs');
    const assertion = Buffer.from(toApp.fields.SAMLResponse!, 'base64').toString('utf8');
    expect(assertion).toContain('>test@example.com</saml:NameID>');
    expect(assertion).toContain('<ds:SignatureValue>');
  });

  it('shows the test connection as the test IdP in the customer list, and its connection to the tested app', async () => {
    const { app } = await apps.start();
    const d = await developer(app);
    const { idpId } = await startTest(d.browser, d.rest.saasid);
    const customer = await app.services.customers.getCustomer(d.accountId, idpId);
    expect(customer).toMatchObject({ entityId: `${BASE}/sso/test-idp/${d.accountId}`, enabled: true, idpInitiatedLogin: false });
    expect(customer.applications.map((a) => a.saasid)).toEqual([d.rest.saasid]);
    expect(idpId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const list = await d.browser.get('/console/customer-connections');
    expect(list.body).toContain(`>${idpId}</a> <span class="badge">Test IdP</span>`);
  });

  it("never takes over a real customer given the test connection's idpId after the test connection was deleted", async () => {
    const { app } = await apps.start();
    const d = await developer(app);
    const { idpId } = await startTest(d.browser, d.rest.saasid);
    await app.services.customers.deleteCustomer(d.actor, idpId);
    const pem = await idpCertificatePem();
    await app.services.customers.putCustomer(d.actor, idpId, { entityId: 'https://idp.bigcorp.example', ssoUrl: 'https://idp.bigcorp.example/sso', certificates: [pem], enabled: true, emailDomains: ['bigcorp.example'] });

    // The Test page says why it cannot go on; starting a test or turning the test IdP off and on
    // is refused: the real customer is left as it is.
    const page = await d.browser.get(`/console/applications/${d.rest.saasid}/test`);
    expect(page.statusCode).toBe(409);
    expect(page.body).toContain('now belongs to another customer');
    await expect(app.services.testIdp.connectApplication(d.actor, d.rest.saasid)).rejects.toMatchObject({ code: 'CUSTOMER_CONFLICT' });
    await expect(app.services.testIdp.setTurnedOff(d.actor, true)).rejects.toMatchObject({ code: 'CUSTOMER_CONFLICT' });
    const real = await app.services.customers.getCustomer(d.accountId, idpId);
    expect([real.entityId, real.emailDomains, real.certificates.map((c) => c.pem.trim()), real.testIdp]).toEqual(["https://idp.bigcorp.example", ["bigcorp.example"], [pem.trim()], false]);
    // And the test IdP does not answer for it (it is not its test connection).
    await expect(app.services.testIdp.receiveRequest(d.accountId, '<samlp:AuthnRequest/>', undefined)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a wrong password, then throttles that address only: the developer at another address still signs in', async () => {
    const { app } = await apps.start({ env: { SIGN_IN_FAILURES_PER_MINUTE: '3' } });
    const d = await developer(app);
    const { password } = await startTest(d.browser, d.rest.saasid);
    const page = d.browser.lastHtml;

    const wrong = await signInAs(d.browser, d.accountId, 'testuser1', 'guess', page);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('The password is not right');
    expect(wrong.body).not.toContain('SAMLResponse');

    const { ConsoleClient } = await import('../helpers/console-client.js');
    const attacker = new ConsoleClient(app, '203.0.113.9');
    await attacker.get(pathOf((await startTest(d.browser, d.rest.saasid)).initsso.headers.location));
    const attackerPage = attacker.lastHtml;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await signInAs(attacker, d.accountId, 'testuser1', `guess${i}`, attackerPage)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // Even the right password is refused from that address while it is blocked.
    expect((await signInAs(attacker, d.accountId, 'testuser1', password, attackerPage)).statusCode).toBe(429);

    const developerAgain = await signInAs(d.browser, d.accountId, 'testuser1', password, page);
    expect(developerAgain.statusCode, developerAgain.body).toBe(200);
    expect(autoPostForm(developerAgain.body).action).toBe(`${BASE}/sso/sp/ACS.saml2`);
  });

  it('refuses a sign-in form posted without the page\'s CSRF cookie', async () => {
    const { app } = await apps.start();
    const d = await developer(app);
    const { password } = await startTest(d.browser, d.rest.saasid);
    const page = d.browser.lastHtml;
    const forged = await app.inject({
      method: 'POST',
      url: `/sso/test-idp/${d.accountId}/sign-in`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: hidden(page, '_csrf'), SAMLRequest: hidden(page, 'SAMLRequest'), RelayState: hidden(page, 'RelayState'), username: 'testuser1', password }).toString(),
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.body).not.toContain('SAMLResponse');
  });

  it('answers 404 once the account turns the test IdP off, or its connection is disabled, and initsso refuses the connection', async () => {
    const { app, database } = await apps.start();
    const d = await developer(app);
    const { initsso, password } = await startTest(d.browser, d.rest.saasid);
    const page = d.browser.lastHtml;
    const ssoPath = pathOf(initsso.headers.location);

    await d.browser.get('/console/test-idp');
    const off = await d.browser.post('/console/test-idp/turned-off', { turnedOff: 'true' });
    expect(off.statusCode).toBe(303);
    expect((await d.browser.get(ssoPath)).statusCode).toBe(404);
    expect((await signInAs(d.browser, d.accountId, 'testuser1', password, page)).statusCode).toBe(404);
    const testIdpId = (await findTestIdp(database.db, d.accountId))?.idpId;
    expect(testIdpId).toBeDefined();
    expect((await app.services.customers.getCustomer(d.accountId, testIdpId!)).enabled).toBe(false);
    const refused = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${d.rest.saasid}&idpid=${testIdpId}` });
    expect(refused.statusCode).not.toBe(302);
    expect(String(refused.headers.location ?? '')).not.toContain('/sso/test-idp/');
    const testPage = await d.browser.get(`/console/applications/${d.rest.saasid}/test`);
    expect(testPage.body).toContain('The test IdP is turned off for this account.');
    expect(testPage.body).not.toContain('Start Single Sign-On');

    // On again, then its connection disabled like any customer's: 404 as well.
    await d.browser.get('/console/test-idp');
    await d.browser.post('/console/test-idp/turned-off', { turnedOff: 'false' });
    expect((await d.browser.get(ssoPath)).statusCode).toBe(200);
    const connection = await app.services.customers.getCustomer(d.accountId, testIdpId!);
    await app.services.customers.putCustomer(d.actor, testIdpId!, { entityId: connection.entityId, ssoUrl: connection.ssoUrl, certificates: connection.certificates.map((c) => c.pem), enabled: false });
    expect((await d.browser.get(ssoPath)).statusCode).toBe(404);
  });

  it("never lets the test IdP's key sign in through a real customer's connection", async () => {
    const { app, database, clock } = await apps.start();
    const d = await developer(app);
    await startTest(d.browser, d.rest.saasid);
    const record = (await findTestIdp(database.db, d.accountId))!;
    const testIdpKey: SigningKey = { privateKeyPem: app.services.sealer.open(record.sealedPrivateKey, testIdpKeyContext(d.accountId)), certificatePem: record.certificatePem };
    const customerKey = await generateSigningKeyPair('idp.customer001.com', clock.now());
    await app.services.customers.putCustomer(d.actor, 'customer001.com', { entityId: CUSTOMER_IDP, ssoUrl: CUSTOMER_SSO, certificates: [customerKey.certificatePem], applications: [d.rest.saasid] });

    const postAcs = (issuer: string, inResponseTo: string | null, relayState: string, cookieOf?: ConsoleClient) => {
      const xml = buildSignedResponse(
        {
          issuer,
          destination: `${BASE}/sso/sp/ACS.saml2`,
          inResponseTo,
          audience: `${BASE}/saml/sp/${d.accountId}`,
          nameId: 'mallory@customer001.com',
          nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
          sessionIndex: '_s1',
          authnInstant: new Date(clock.now()).toISOString(),
          authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
          attributes: { email: ['mallory@customer001.com'] },
          now: clock.now(),
          lifetimeMs: 5 * 60_000,
        },
        testIdpKey,
      );
      const fields = { SAMLResponse: Buffer.from(xml).toString('base64'), RelayState: relayState };
      return cookieOf ? cookieOf.post('/sso/sp/ACS.saml2', fields, { csrf: null }) : app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
    };

    // IdP-initiated, naming the real customer's entity ID: checked against that customer's certificate only.
    const unsolicited = await postAcs(CUSTOMER_IDP, null, `https://pingone.com/1.0/${d.rest.saasid}`);
    expect(errorOf(unsolicited.headers.location)).toBe('SIGNATURE_INVALID');

    // Answering a sign-in started for the real customer, as that customer or as the test IdP.
    for (const [issuer, reason] of [
      [CUSTOMER_IDP, 'SIGNATURE_INVALID'],
      [`${BASE}/sso/test-idp/${d.accountId}`, 'WRONG_ISSUER'],
    ] as const) {
      const started = await d.browser.get(`/sso/sp/initsso?saasid=${d.rest.saasid}&idpid=customer001.com`);
      const request = authnRequestFromRedirect(String(started.headers.location));
      const answered = await postAcs(issuer, request.id, request.relayState, d.browser);
      expect(answered.statusCode).toBe(303);
      expect(errorOf(answered.headers.location)).toBe(reason);
    }
    expect((await app.services.ssoLog.list(d.accountId, {})).events.filter((e) => e.outcome === 'success')).toEqual([]);
  });

  it("refuses another account's sign-in request, and another account's test idpId", async () => {
    const { app } = await apps.start();
    const a = await developer(app, 'Account A');
    const b = await developer(app, 'Account B');
    const { idpId: idpIdOfA } = await startTest(a.browser, a.rest.saasid);
    const { initsso: initsoOfB } = await startTest(b.browser, b.rest.saasid);

    // B's AuthnRequest, sent to A's test IdP instead of B's.
    const requestOfB = new URL(String(initsoOfB.headers.location));
    const toA = await b.browser.get(`/sso/test-idp/${a.accountId}/sso${requestOfB.search}`);
    expect(toA.statusCode).toBe(400);
    expect(toA.body).toContain('answers only sign-in requests from its own account');

    // A's test connection is not B's.
    const crossed = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${b.rest.saasid}&idpid=${idpIdOfA}` });
    expect(crossed.statusCode).toBe(303);
    expect(errorOf(crossed.headers.location)).toBe('UNKNOWN_IDP');
  });
});
