import { createVerify } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { SAML } from '@node-saml/node-saml';
import { validateSamlResponse } from '../../src/saml/response-validation.js';
import { generateSigningKeyPair } from '../../src/saml/signing-key-pair.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { dropTestDatabases, newDatabaseLocation, testDialects } from '../helpers/databases.js';
import { authnRequestFromRedirect, autoPostForm, continueTarget, CUSTOMER_SSO, idpResponse, ssoSetUp } from '../helpers/sso-fixture.js';
import { samlAppInput, startInstance, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const ACS = 'http://localhost:8080/sso/sp/ACS.saml2';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe.each(testDialects)('SSO runtime (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function spInitiated(app: TestInstance['app'], query: string) {
    const res = await app.inject({ method: 'GET', url: `/sso/sp/initsso?${query}` });
    expect(res.statusCode, res.body).toBe(302);
    return authnRequestFromRedirect(res.headers.location as string);
  }

  it('runs an SP-initiated login to a REST app: signed AuthnRequest, ACS, token exchange once', async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app);
    const request = await spInitiated(app, `saasid=${s.rest.saasid}&idpid=customer001.com&appurl=${encodeURIComponent('https://app.example.com/welcome')}&forceauthn=true`);
    expect(request.url.origin + request.url.pathname).toBe(CUSTOMER_SSO);
    expect(request.xml).toContain('ForceAuthn="true"');
    expect(request.xml).toContain(`AssertionConsumerServiceURL="${ACS}"`);
    // The Redirect-binding signature verifies with the certificate we publish.
    const [published] = await app.services.signingKeys.publishedCertificates(s.accountId);
    const signedQuery = request.url.search.slice(1).split('&Signature=')[0]!;
    expect(createVerify('RSA-SHA256').update(signedQuery).verify(published!.pem, request.url.searchParams.get('Signature')!, 'base64')).toBe(true);

    const samlResponse = idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: request.id });
    const acs = await app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: samlResponse, RelayState: request.relayState }) });
    expect(acs.statusCode, acs.body).toBe(200);
    expect(acs.headers['content-security-policy']).toContain('form-action https://app.example.com');
    const posted = autoPostForm(acs.body);
    expect(posted.action).toBe('https://app.example.com/welcome');
    expect(posted.fields.tokenid).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const exchange = await app.inject({ method: 'GET', url: `/sso/TXS/2.0/1/${posted.fields.tokenid}`, headers: { authorization: s.appAuthorization } });
    expect(exchange.statusCode, exchange.body).toBe(200);
    expect(exchange.json()).toMatchObject({
      'pingone.subject': 'alice@customer001.com',
      'pingone.idp.id': 'customer001.com',
      'pingone.saas.id': s.rest.saasid,
      'pingone.nameid.format': 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      'pingone.authn.context': 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
      subject: 'alice@customer001.com',
      email: 'alice@customer001.com',
      groups: ['admins', 'staff'],
    });
    const again = await app.inject({ method: 'GET', url: `/sso/TXS/2.0/1/${posted.fields.tokenid}`, headers: { authorization: s.appAuthorization } });
    expect(again.statusCode).toBe(404);

    const replay = await app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: samlResponse, RelayState: request.relayState }) });
    expect(replay.statusCode).toBe(303);
    expect(new URL(replay.headers.location as string).searchParams.get('error')).toBe('REQUEST_ALREADY_USED');
    expect((replay.headers.location as string).startsWith('https://app.example.com/sso/error?')).toBe(true);
  });

  it('refuses an answer to forceauthn=true that reports an authentication from before the request', async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app);
    const request = await spInitiated(app, `saasid=${s.rest.saasid}&idpid=customer001.com&forceauthn=true`);
    const stale = idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: request.id, authnInstant: Date.now() - 3600_000 });
    const refused = await app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: stale, RelayState: request.relayState }) });
    expect(new URL(refused.headers.location as string).searchParams.get('error')).toBe('FORCE_AUTHN_IGNORED');
    const fresh = idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: request.id });
    const accepted = await app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: fresh, RelayState: request.relayState }) });
    expect(accepted.statusCode, accepted.body).toBe(200);
  });

  it('runs an IdP-initiated login named by RelayState, refuses its replay, and logs both', async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app);
    const samlResponse = idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null });
    const post = () =>
      app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: samlResponse, RelayState: `https://pingone.com/1.0/${s.rest.saasid}` }) });
    const first = await post();
    expect(first.statusCode, first.body).toBe(200);
    expect(autoPostForm(first.body).action).toBe('https://app.example.com/sso/landing');
    const replay = await post();
    expect(new URL(replay.headers.location as string).searchParams.get('error')).toBe('REPLAY');
  });

  it("names the SAML rule a refused response broke in the sign-in log, and sends the app only the reason", async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app);
    const forSomeoneElse = idpResponse(s.idpKey, { destination: ACS, audience: 'https://someone-else.example.com/sp', inResponseTo: null });
    const refused = await app.inject({ method: 'POST', url: `/sso/sp/ACS.saml2?saasid=${s.rest.saasid}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: forSomeoneElse }) });
    const sentToApp = new URL(refused.headers.location as string);
    expect(sentToApp.searchParams.get('error')).toBe('WRONG_AUDIENCE');
    expect(sentToApp.search).not.toContain('Rule');
    const [logged] = (await app.services.ssoLog.list(s.accountId, {})).events;
    expect(logged).toMatchObject({ outcome: 'failure', reason: 'WRONG_AUDIENCE', saasid: s.rest.saasid, idpId: 'customer001.com' });
    expect(logged?.detail).toMatch(/^Rule: SAML core §2\.5\.1\.4\b.*\.$/);
  });

  it('accepts a response that starts with an XML declaration, as Okta and Shibboleth send it', async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app);
    const plain = Buffer.from(idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null }), 'base64').toString();
    const withDeclaration = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${plain}`).toString('base64');
    const res = await app.inject({ method: 'POST', url: `/sso/sp/ACS.saml2?saasid=${s.rest.saasid}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: withDeclaration }) });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('exchanges a token as Java properties, and only for its own application', async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app);
    const login = async () => {
      const samlResponse = idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null });
      const res = await app.inject({ method: 'POST', url: `/sso/sp/ACS.saml2?saasid=${s.rest.saasid}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: samlResponse }) });
      return autoPostForm(res.body).fields.tokenid!;
    };
    const properties = await app.inject({ method: 'GET', url: `/sso/TXS/2.0/2/${await login()}`, headers: { authorization: s.appAuthorization } });
    expect(properties.statusCode).toBe(200);
    expect(properties.body).toContain('pingone.subject=alice@customer001.com\n');
    expect(properties.body).toContain('groups=admins,staff\n');

    const token = await login();
    const otherApp = await app.services.applications.createApplication(s.actor, { kind: 'rest', name: 'Other', defaultAppUrl: 'https://other.example.com/', errorUrl: 'https://other.example.com/e', hostname: 'other.example.com' });
    const other = await app.services.credentials.createApplicationCredential(s.actor, { saasid: otherApp.saasid });
    const wrongApp = await app.inject({ method: 'GET', url: `/sso/TXS/2.0/1/${token}`, headers: { authorization: `Basic ${Buffer.from(`${other.credential.clientId}:${other.clientSecret}`).toString('base64')}` } });
    expect(wrongApp.statusCode).toBe(404);
    const noAuth = await app.inject({ method: 'GET', url: `/sso/TXS/2.0/1/${token}` });
    expect(noAuth.statusCode).toBe(401);
    // Neither attempt used the token up.
    expect((await app.inject({ method: 'GET', url: `/sso/TXS/2.0/1/${token}`, headers: { authorization: s.appAuthorization } })).statusCode).toBe(200);
  });

  it('expires tokens after five minutes', async () => {
    const instance = await apps.start();
    const s = await ssoSetUp(instance.app);
    const samlResponse = idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null });
    const res = await instance.app.inject({ method: 'POST', url: `/sso/sp/ACS.saml2?saasid=${s.rest.saasid}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: samlResponse }) });
    instance.clock.advance(5 * 60_000 + 1);
    expect((await instance.app.inject({ method: 'GET', url: `/sso/TXS/2.0/1/${autoPostForm(res.body).fields.tokenid}`, headers: { authorization: s.appAuthorization } })).statusCode).toBe(404);
  });

  it('delivers a signed assertion to a SAML app, issued by the shared entity ID', async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app);
    const samlResponse = idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null });
    const res = await app.inject({ method: 'POST', url: `/sso/sp/ACS.saml2?saasid=${s.saml.saasid}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: samlResponse }) });
    expect(res.statusCode, res.body).toBe(200);
    const posted = autoPostForm(res.body);
    expect(posted.action).toBe(s.saml.kind === 'saml' ? s.saml.acsUrl : '');
    const [published] = await app.services.signingKeys.publishedCertificates(s.accountId);
    const delivered = validateSamlResponse(posted.fields.SAMLResponse!, {
      acsUrls: ['https://analytics.example.com/saml/acs'],
      audience: 'https://analytics.example.com/Analytics',
      idpEntityId: 'PingConnect',
      idpCertificatesPem: [published!.pem],
      inResponseTo: null,
      now: Date.now(),
      clockSkewMs: 60_000,
    });
    expect(delivered).toMatchObject({ nameId: 'alice@customer001.com', attributes: { email: ['alice@customer001.com'] } });
  });

  it('encrypts the assertion for a SAML app that asks for it, and @node-saml/node-saml decrypts and verifies it', async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app);
    const appKey = await generateSigningKeyPair('analytics.example.com', Date.now());
    await app.services.applications.updateApplication(s.actor, s.saml.saasid, samlAppInput('Analytics', { encryptAssertions: true, encryptionCertificate: appKey.certificatePem, requiredAttributes: [{ name: 'email', required: true }] }));
    const samlResponse = idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null });
    const res = await app.inject({ method: 'POST', url: `/sso/sp/ACS.saml2?saasid=${s.saml.saasid}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: samlResponse }) });
    expect(res.statusCode, res.body).toBe(200);
    const delivered = autoPostForm(res.body).fields.SAMLResponse!;
    const xml = Buffer.from(delivered, 'base64').toString();
    expect(xml).toContain('<saml:EncryptedAssertion');
    expect(xml).not.toContain('alice@customer001.com');
    const [published] = await app.services.signingKeys.publishedCertificates(s.accountId);
    const receiver = new SAML({
      callbackUrl: 'https://analytics.example.com/saml/acs',
      issuer: 'https://analytics.example.com/Analytics',
      audience: 'https://analytics.example.com/Analytics',
      idpCert: published!.pem,
      decryptionPvk: appKey.privateKeyPem,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
    });
    const { profile } = await receiver.validatePostResponseAsync({ SAMLResponse: delivered });
    expect(profile).toMatchObject({ nameID: 'alice@customer001.com', issuer: 'PingConnect', email: 'alice@customer001.com', 'pingone.idp.id': 'customer001.com' });
  });

  it('never redirects to an appurl or errorurl off the application host', async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app);
    const badError = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com&errorurl=${encodeURIComponent('https://evil.example.net/steal')}` });
    expect(badError.statusCode).toBe(400);
    expect(badError.body).toContain('INVALID_ERROR_URL');
    expect(badError.headers.location).toBeUndefined();
    const badApp = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com&appurl=${encodeURIComponent('https://evil.example.net/')}` });
    expect(badApp.statusCode).toBe(303);
    expect(new URL(badApp.headers.location as string).host).toBe('app.example.com');
    expect(new URL(badApp.headers.location as string).searchParams.get('error')).toBe('INVALID_APP_URL');
    const httpApp = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com&appurl=${encodeURIComponent('http://app.example.com/')}` });
    expect(new URL(httpApp.headers.location as string).searchParams.get('error')).toBe('INVALID_APP_URL');
    // RelayState is never a redirect target: an IdP-initiated login with a URL in it ignores it.
    const samlResponse = idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null });
    const relay = await app.inject({ method: 'POST', url: `/sso/sp/ACS.saml2?saasid=${s.rest.saasid}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: samlResponse, RelayState: 'https://evil.example.net/' }) });
    expect(autoPostForm(relay.body).action).toBe('https://app.example.com/sso/landing');
  });

  it('passes appurl on as the URL standard reads it, so the app finds the host that was checked', async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app);
    // A backslash is a path separator to the URL standard (host app.example.com) but not to
    // every parser (RFC 3986 reads user info "app.example.com\" and host evil.example).
    const tricky = (host: string) => encodeURIComponent(`https://${host}\\@evil.example/welcome`);
    const toAcs = async (request: ReturnType<typeof authnRequestFromRedirect>) => {
      const samlResponse = idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: request.id });
      const acs = await app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: samlResponse, RelayState: request.relayState }) });
      expect(acs.statusCode, acs.body).toBe(200);
      return acs;
    };

    const rest = await toAcs(await spInitiated(app, `saasid=${s.rest.saasid}&idpid=customer001.com&appurl=${tricky('app.example.com')}`));
    expect(autoPostForm(rest.body).action).toBe('https://app.example.com/@evil.example/welcome');
    expect(rest.headers['content-security-policy']).toContain('form-action https://app.example.com;');

    const saml = await toAcs(await spInitiated(app, `saasid=${s.saml.saasid}&idpid=customer001.com&appurl=${tricky('analytics.example.com')}`));
    expect(autoPostForm(saml.body).fields.RelayState).toBe('https://analytics.example.com/@evil.example/welcome');

    const discovery = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&appurl=${tricky('app.example.com')}` });
    expect(discovery.body).toContain('<input type="hidden" name="appurl" value="https://app.example.com/@evil.example/welcome">');
  });

  it('finds the IdP by email domain on the discovery page', async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app);
    const page = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Work email address');
    const unknown = await app.inject({ method: 'POST', url: '/sso/sp/discover', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ saasid: s.rest.saasid, email: 'bob@nowhere.org' }) });
    expect(unknown.body).toContain('Single sign-on is not set up for nowhere.org');
    const found = await app.inject({ method: 'POST', url: '/sso/sp/discover', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ saasid: s.rest.saasid, email: 'Bob@Customer001.com' }) });
    // The answer to our own form is a page that moves on by itself: a redirect to the IdP would be
    // blocked by the browser under form-action 'self', which stays as strict as on every page.
    expect(found.statusCode, found.body).toBe(200);
    expect(found.headers.location).toBeUndefined();
    expect(found.headers['content-security-policy']).toContain("form-action 'self'");
    const request = authnRequestFromRedirect(continueTarget(found.body));
    expect(request.url.origin + request.url.pathname).toBe(CUSTOMER_SSO);
    expect(request.xml).toContain(`ID="${request.relayState}"`);
  });

  it('answers the discovery form with a page, not a redirect, when the login fails to the error URL', async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app);
    await app.services.customers.putCustomer(s.actor, 'customer001.com', {
      entityId: 'https://idp.customer001.com/saml',
      ssoUrl: CUSTOMER_SSO,
      certificates: [s.idpKey.certificatePem],
      emailDomains: ['customer001.com'],
      enabled: false,
    });
    const refused = await app.inject({ method: 'POST', url: '/sso/sp/discover', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ saasid: s.rest.saasid, email: 'bob@customer001.com' }) });
    expect(refused.statusCode, refused.body).toBe(200);
    const target = new URL(continueTarget(refused.body));
    expect(target.origin + target.pathname).toBe('https://app.example.com/sso/error');
    expect(target.searchParams.get('error')).toBe('IDP_DISABLED');
    // A link from the app (not a form of ours) still gets the plain redirect.
    const linked = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com` });
    expect(linked.statusCode).toBe(303);
  });

  it("falls back to the account's default IdP when no customer claims the email domain", async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app);
    const discover = () => app.inject({ method: 'POST', url: '/sso/sp/discover', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ saasid: s.rest.saasid, email: 'carol@unclaimed.org' }) });
    expect((await discover()).body).toContain('Single sign-on is not set up for unclaimed.org');
    const made = await app.services.customers.setDefaultIdp(s.actor, 'customer001.com', true);
    expect(made.isDefault).toBe(true);
    const found = await discover();
    expect(found.statusCode).toBe(200);
    expect(continueTarget(found.body)).toContain(CUSTOMER_SSO);
    await app.services.customers.setDefaultIdp(s.actor, 'customer001.com', false);
    expect((await discover()).body).toContain('Single sign-on is not set up for unclaimed.org');
  });

  it('sends the AuthnRequest by HTTP-POST when the IdP asks for it', async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app, { ssoBinding: 'post' });
    const res = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com` });
    expect(res.statusCode).toBe(200);
    const posted = autoPostForm(res.body);
    expect(posted.action).toBe(CUSTOMER_SSO);
    expect(Buffer.from(posted.fields.SAMLRequest!, 'base64').toString()).toContain('<ds:Signature');
  });

  it('over https, completes an SP-initiated login only in the browser that started it (login CSRF)', async () => {
    const instance = await apps.start({ env: { PUBLIC_URL: 'https://sso.example.com' } });
    const { app } = instance;
    const s = await ssoSetUp(app);
    const init = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com` });
    const cookie = [init.headers['set-cookie']].flat().find((c) => c?.startsWith('__Host-ssb_sso_'));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=None/);
    const request = authnRequestFromRedirect(init.headers.location as string);
    const samlResponse = idpResponse(s.idpKey, { destination: 'https://sso.example.com/sso/sp/ACS.saml2', audience: `https://sso.example.com/saml/sp/${s.accountId}`, inResponseTo: request.id });
    const post = (headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: form({ SAMLResponse: samlResponse, RelayState: request.relayState }) });
    const elsewhere = await post({});
    expect(new URL(elsewhere.headers.location as string).searchParams.get('error')).toBe('BROWSER_MISMATCH');
    const forged = await post({ cookie: `${cookie!.split('=')[0]}=${request.id}` });
    expect(new URL(forged.headers.location as string).searchParams.get('error')).toBe('BROWSER_MISMATCH');
    const same = await post({ cookie: cookie!.split(';')[0]! });
    expect(same.statusCode, same.body).toBe(200);
  });

  it('completes on a second instance a login that started on the first', async () => {
    const location = newDatabaseLocation(dialect);
    const first = await startInstance(location);
    const second = await startInstance(location);
    apps.closeAfterTest(first, second);
    const s = await ssoSetUp(first.app);
    const request = await spInitiated(first.app, `saasid=${s.rest.saasid}&idpid=customer001.com`);
    const samlResponse = idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: request.id });
    const acs = await second.app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: samlResponse, RelayState: request.relayState }) });
    expect(acs.statusCode, acs.body).toBe(200);
    const token = autoPostForm(acs.body).fields.tokenid!;
    expect((await first.app.inject({ method: 'GET', url: `/sso/TXS/2.0/1/${token}`, headers: { authorization: s.appAuthorization } })).statusCode).toBe(200);
  });
});
