import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { autoPostForm } from '../helpers/sso-fixture.js';
import { curlBasic, operatorActor, restAppInput, startTestApp, type TestInstance } from '../helpers/test-app.js';
import {
  isoSeconds,
  LassoError,
  lassoRespond,
  lassoUnsolicited,
  opensslKeyPair,
  requireLasso,
  signedElements,
  tempDir,
  type KeyPairFiles,
  type LassoIdpIdentity,
  type SignMode,
} from './peers.js';

/**
 * Lasso (Entr'ouvert's SAML 2.0 library) plays the customer's IdP: it loads the SP metadata we
 * give the customer, verifies and answers our AuthnRequests (Redirect and POST bindings), and
 * sends IdP-initiated responses; our ACS must accept them and the token exchange must return
 * the user. Lasso's key and certificate are made by openssl, as a customer's admin would.
 */

const PUBLIC_URL = 'http://localhost:8080';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const PASSWORD_PROTECTED_TRANSPORT = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const ALICE = { nameId: 'alice@customer001.com', nameIdFormat: EMAIL_FORMAT, attributes: { email: ['alice@customer001.com'], groups: ['admins', 'staff'] } };
const SIGNED: Record<Exclude<SignMode, 'none'>, string[]> = { assertion: ['Assertion'], response: ['Response'], both: ['Response', 'Assertion'] };

let workDir: { dir: string; remove(): void };
let idpKeys: KeyPairFiles;

beforeAll(() => {
  requireLasso();
  workDir = tempDir('ssobridge-lasso-idp-');
  idpKeys = opensslKeyPair(workDir.dir, 'idp', 'idp.customer001.com');
});
afterAll(async () => {
  workDir?.remove();
  await dropTestDatabases();
});

/** A customer whose IdP is Lasso, and what its admin configured from our SP metadata. */
interface LassoCustomer {
  idpId: string;
  idp: LassoIdpIdentity;
  /** The SP metadata of the one SP identity this customer's connection uses. */
  spMetadata: string;
  spEntityId: string;
  acsUrl: string;
}

type CustomerKey = 'redirect' | 'post' | 'nonMultiplexed' | 'queryInSsoUrl';

describe.each(testDialects)('Lasso as the customer IdP (%s)', (dialect) => {
  let instance: TestInstance;
  let app: App;
  let saasid: string;
  let appAuthorization: string;
  let customers: Record<CustomerKey, LassoCustomer>;

  /** An account with the Billing REST app, its application credential, and customers whose IdP is Lasso. */
  const setUpAccount = async (name: string, only?: CustomerKey[]) => {
    const { account } = await app.services.accounts.createAccount(operatorActor, name);
    const actor = operatorActor(account.id);
    const rest = await app.services.applications.createApplication(
      actor,
      restAppInput('Billing', { requiredAttributes: [{ name: 'email', required: true }, { name: 'groups', required: false }] }),
    );
    const credential = await app.services.credentials.createApplicationCredential(actor, { saasid: rest.saasid, description: 'billing backend' });
    const connected = {} as Record<CustomerKey, LassoCustomer>;
    const connect = async (key: CustomerKey, idpId: string, ssoBinding: 'redirect' | 'post', multiplexed: boolean, ssoUrl = `https://idp.${idpId}/sso`) => {
      if (only && !only.includes(key)) return;
      const idp = { entityId: `https://idp.${idpId}/saml`, ssoUrl, keyFile: idpKeys.keyFile, certFile: idpKeys.certFile };
      await app.services.customers.putCustomer(actor, idpId, {
        entityId: idp.entityId,
        ssoUrl: idp.ssoUrl,
        ssoBinding,
        certificates: [idpKeys.certPem],
        applications: [{ saasid: rest.saasid, multiplexed }],
        multiplexed,
      });
      const [configuration, ...others] = await app.services.customers.idpConfiguration(account.id, idpId);
      expect(others).toEqual([]);
      expect(configuration!.multiplexed).toBe(multiplexed);
      connected[key] = { idpId, idp, spMetadata: configuration!.metadataXml, spEntityId: configuration!.entityId, acsUrl: configuration!.acsUrl };
    };
    await connect('redirect', 'redirect.customer001.com', 'redirect', true);
    await connect('post', 'post.customer001.com', 'post', true);
    await connect('nonMultiplexed', 'own.customer001.com', 'redirect', false);
    // Some IdPs' SSO URLs carry their own query parameters.
    await connect('queryInSsoUrl', 'query.customer001.com', 'redirect', true, 'https://idp.query.customer001.com/sso?tenant=acme&lang=en');
    return { accountId: account.id, actor, saasid: rest.saasid, appAuthorization: curlBasic(credential.credential.clientId, credential.clientSecret), customers: connected };
  };

  beforeAll(async () => {
    instance = await startTestApp(dialect, { env: { PUBLIC_URL } });
    app = instance.app;
    ({ saasid, appAuthorization, customers } = await setUpAccount('Acme SaaS'));
  });
  afterAll(async () => instance?.close());

  const times = () => {
    const now = instance.clock.now();
    return { authnInstant: isoSeconds(now - 5_000), notBefore: isoSeconds(now - 60_000), notOnOrAfter: isoSeconds(now + 5 * 60_000) };
  };

  /** What the browser does with Lasso's auto-post page: POST SAMLResponse (+ RelayState) to the ACS. */
  const postToAcs = (acsUrl: string, fields: Record<string, string | null | undefined>) => {
    const url = new URL(acsUrl);
    expect(url.origin).toBe(PUBLIC_URL);
    const body = new URLSearchParams(Object.entries(fields).filter((e): e is [string, string] => typeof e[1] === 'string'));
    return app.inject({ method: 'POST', url: url.pathname + url.search, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() });
  };

  const exchange = async (tokenid: string, kind: 1 | 2 = 1, authorization = appAuthorization) => {
    const res = await app.inject({ method: 'GET', url: `/sso/TXS/2.0/${kind}/${tokenid}`, headers: { authorization } });
    expect(res.statusCode, res.body).toBe(200);
    return res;
  };

  const assertionIdOf = (responseXml: string) => /<saml:Assertion\b[^>]*\bID="([^"]+)"/.exec(responseXml)![1]!;

  const expectAlice = (attributes: unknown, customer: LassoCustomer, responseXml: string, appSaasid = saasid) =>
    expect(attributes).toMatchObject({
      'pingone.subject': 'alice@customer001.com',
      'pingone.idp.id': customer.idpId,
      'pingone.saas.id': appSaasid,
      'pingone.authninstant': /<saml:AuthnStatement\b[^>]*\bAuthnInstant="([^"]+)"/.exec(responseXml)![1],
      'pingone.nameid.format': EMAIL_FORMAT,
      'pingone.authn.context': PASSWORD_PROTECTED_TRANSPORT,
      'pingone.assertion.id': assertionIdOf(responseXml),
      subject: 'alice@customer001.com',
      email: 'alice@customer001.com',
      groups: ['admins', 'staff'],
    });

  const initsso = (customer: LassoCustomer, extra = '', appSaasid = saasid) =>
    app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${appSaasid}&idpid=${encodeURIComponent(customer.idpId)}${extra}` });

  /** SP-initiated over the Redirect binding, up to Lasso's response. */
  const redirectLogin = async (sign: SignMode, extra = '', customer = customers.redirect) => {
    const start = await initsso(customer, extra);
    expect(start.statusCode, start.body).toBe(302);
    const location = start.headers.location as string;
    const answer = await lassoRespond({ idp: customer.idp, spMetadata: [customer.spMetadata], request: { binding: 'redirect', url: location }, user: ALICE, sign, times: times() });
    return { customer, location, answer };
  };

  it('SP-initiated, Redirect binding: Lasso verifies our signed AuthnRequest, answers it, and the app gets the user', async () => {
    const appurl = 'https://app.example.com/welcome';
    const { customer, location, answer } = await redirectLogin('both', `&appurl=${encodeURIComponent(appurl)}&forceauthn=true`);
    const ourRelayState = new URL(location).searchParams.get('RelayState');
    // What Lasso read from the request it verified.
    expect(answer.request).toMatchObject({
      issuer: customer.spEntityId,
      remoteProviderId: customer.spEntityId,
      destination: customer.idp.ssoUrl,
      assertionConsumerServiceUrl: customer.acsUrl,
      protocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
      forceAuthn: true,
      relayState: ourRelayState,
    });
    expect(answer.acsUrl).toBe(customer.acsUrl);
    expect(answer.RelayState).toBe(ourRelayState);
    expect(signedElements(answer.responseXml)).toEqual(SIGNED.both);

    const acs = await postToAcs(answer.acsUrl, { SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
    expect(acs.statusCode, acs.body).toBe(200);
    const delivered = autoPostForm(acs.body);
    expect(delivered.action).toBe(appurl);
    expect(delivered.fields.agentid).toBe(saasid);
    expectAlice((await exchange(delivered.fields.tokenid!)).json(), customer, answer.responseXml);
  });

  it('control: Lasso refuses our Redirect-binding request once its signed query is altered', async () => {
    const start = await initsso(customers.redirect);
    const url = new URL(start.headers.location as string);
    const forged = new URL(url);
    forged.searchParams.set('RelayState', `${url.searchParams.get('RelayState')}x`);
    const refused = lassoRespond({ idp: customers.redirect.idp, spMetadata: [customers.redirect.spMetadata], request: { binding: 'redirect', url: forged.toString() }, user: ALICE, sign: 'both' });
    await expect(refused).rejects.toBeInstanceOf(LassoError);
    await expect(refused).rejects.toMatchObject({ lassoError: 'DsInvalidSignatureError' });
  });

  it('SP-initiated, POST binding: Lasso verifies the enveloped signature and the app gets the user (Java properties)', async () => {
    const customer = customers.post;
    const start = await initsso(customer);
    expect(start.statusCode, start.body).toBe(200);
    const form = autoPostForm(start.body);
    expect(form.action).toBe(customer.idp.ssoUrl);
    const answer = await lassoRespond({
      idp: customer.idp,
      spMetadata: [customer.spMetadata],
      request: { binding: 'post', SAMLRequest: form.fields.SAMLRequest!, RelayState: form.fields.RelayState! },
      user: ALICE,
      sign: 'both',
      times: times(),
    });
    expect(answer.request).toMatchObject({ issuer: customer.spEntityId, destination: customer.idp.ssoUrl, assertionConsumerServiceUrl: customer.acsUrl, forceAuthn: false });
    expect(answer.RelayState).toBe(form.fields.RelayState);

    const acs = await postToAcs(answer.acsUrl, { SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
    expect(acs.statusCode, acs.body).toBe(200);
    const delivered = autoPostForm(acs.body);
    expect(delivered.action).toBe('https://app.example.com/sso/landing');
    const properties = (await exchange(delivered.fields.tokenid!, 2)).body;
    expect(properties).toContain('pingone.subject=alice@customer001.com\n');
    expect(properties).toContain(`pingone.idp.id=${customer.idpId}\n`);
    expect(properties).toContain('groups=admins,staff\n');

    // Control: Lasso notices a change to the signed XML, and a missing signature.
    const xml = Buffer.from(form.fields.SAMLRequest!, 'base64').toString('utf8');
    const post = (changed: string) =>
      lassoRespond({ idp: customer.idp, spMetadata: [customer.spMetadata], request: { binding: 'post', SAMLRequest: Buffer.from(changed).toString('base64') }, user: ALICE, sign: 'both' });
    await expect(post(xml.replace('AllowCreate="true"', 'AllowCreate="false"'))).rejects.toMatchObject({ lassoError: 'DsSignatureVerificationFailedError' });
    await expect(post(xml.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, ''))).rejects.toMatchObject({ lassoError: 'DsSignatureNotFoundError' });
  });

  it.each(['assertion', 'response', 'both'] as const)('SP-initiated: accepts a Lasso response with the %s signed', async (sign) => {
    const { customer, answer } = await redirectLogin(sign);
    expect(signedElements(answer.responseXml)).toEqual(SIGNED[sign]);
    const acs = await postToAcs(answer.acsUrl, { SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
    expect(acs.statusCode, acs.body).toBe(200);
    expectAlice((await exchange(autoPostForm(acs.body).fields.tokenid!)).json(), customer, answer.responseXml);
  });

  it('SP-initiated: refuses a Lasso response with no signature at all', async () => {
    const { answer } = await redirectLogin('none');
    expect(signedElements(answer.responseXml)).toEqual([]);
    const acs = await postToAcs(answer.acsUrl, { SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
    expect(acs.statusCode).toBe(303);
    expect(new URL(acs.headers.location as string).searchParams.get('error')).toBe('UNSIGNED');
  });

  it.each(['assertion', 'response', 'both'] as const)('IdP-initiated with RelayState=https://pingone.com/1.0/<saasid>, %s signed; a replay is refused', async (sign) => {
    const customer = customers.redirect;
    const answer = await lassoUnsolicited({ idp: customer.idp, spMetadata: [customer.spMetadata], spEntityId: customer.spEntityId, relayState: `https://pingone.com/1.0/${saasid}`, user: ALICE, sign, times: times() });
    expect(answer.acsUrl).toBe(customer.acsUrl);
    expect(answer.responseXml).not.toContain('InResponseTo');
    expect(signedElements(answer.responseXml)).toEqual(SIGNED[sign]);
    const acs = await postToAcs(answer.acsUrl, { SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
    expect(acs.statusCode, acs.body).toBe(200);
    const delivered = autoPostForm(acs.body);
    expect(delivered.action).toBe('https://app.example.com/sso/landing');
    expectAlice((await exchange(delivered.fields.tokenid!)).json(), customer, answer.responseXml);

    const replay = await postToAcs(answer.acsUrl, { SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
    expect(new URL(replay.headers.location as string).searchParams.get('error')).toBe('REPLAY');
  });

  it('IdP-initiated with ?saasid=: a non-multiplexed connection, whose SP metadata names the app in its ACS URL', async () => {
    const customer = customers.nonMultiplexed;
    expect(customer.acsUrl).toBe(`${PUBLIC_URL}/sso/sp/ACS.saml2?saasid=${saasid}`);
    expect(customer.spEntityId).toMatch(new RegExp(`/${saasid}$`));
    const answer = await lassoUnsolicited({ idp: customer.idp, spMetadata: [customer.spMetadata], spEntityId: customer.spEntityId, user: ALICE, sign: 'assertion', times: times() });
    // Lasso posts to the ACS URL from our metadata, ?saasid= included, with no RelayState.
    expect(answer.acsUrl).toBe(customer.acsUrl);
    expect(answer.RelayState).toBeNull();
    const acs = await postToAcs(answer.acsUrl, { SAMLResponse: answer.SAMLResponse });
    expect(acs.statusCode, acs.body).toBe(200);
    expectAlice((await exchange(autoPostForm(acs.body).fields.tokenid!)).json(), customer, answer.responseXml);
  });

  it('IdP-initiated with ?saasid=: a multiplexed connection, the IdP posting to the shared ACS URL with ?saasid= added', async () => {
    const customer = customers.redirect;
    const answer = await lassoUnsolicited({ idp: customer.idp, spMetadata: [customer.spMetadata], spEntityId: customer.spEntityId, user: ALICE, sign: 'both', times: times() });
    const acs = await postToAcs(`${answer.acsUrl}?saasid=${saasid}`, { SAMLResponse: answer.SAMLResponse });
    expect(acs.statusCode, acs.body).toBe(200);
    expectAlice((await exchange(autoPostForm(acs.body).fields.tokenid!)).json(), customer, answer.responseXml);
  });

  it('SP-initiated on a non-multiplexed connection: our per-app ACS URL (with ?saasid=) in the AuthnRequest is accepted by Lasso and used', async () => {
    const customer = customers.nonMultiplexed;
    const { answer } = await redirectLogin('both', '', customer);
    expect(answer.request).toMatchObject({ issuer: customer.spEntityId, assertionConsumerServiceUrl: customer.acsUrl });
    expect(answer.acsUrl).toBe(`${PUBLIC_URL}/sso/sp/ACS.saml2?saasid=${saasid}`);
    const acs = await postToAcs(answer.acsUrl, { SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
    expect(acs.statusCode, acs.body).toBe(200);
    expectAlice((await exchange(autoPostForm(acs.body).fields.tokenid!)).json(), customer, answer.responseXml);
  });

  it('SP-initiated to an SSO URL that has its own query string: Lasso verifies the Redirect-binding signature', async () => {
    const customer = customers.queryInSsoUrl;
    const { location, answer } = await redirectLogin('both', '', customer);
    expect(location.startsWith('https://idp.query.customer001.com/sso?tenant=acme&lang=en&SAMLRequest=')).toBe(true);
    const acs = await postToAcs(answer.acsUrl, { SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
    expect(acs.statusCode, acs.body).toBe(200);
    expectAlice((await exchange(autoPostForm(acs.body).fields.tokenid!)).json(), customer, answer.responseXml);
  });

  it("accepts Lasso's own transient NameID (with NameQualifier) and reports its format", async () => {
    const customer = customers.redirect;
    const start = await initsso(customer);
    const answer = await lassoRespond({
      idp: customer.idp,
      spMetadata: [customer.spMetadata],
      request: { binding: 'redirect', url: start.headers.location as string },
      user: { attributes: ALICE.attributes },
      sign: 'assertion',
      times: times(),
    });
    const nameId = /<saml:NameID\b([^>]*)>([^<]+)<\/saml:NameID>/.exec(answer.responseXml)!;
    expect(nameId[1]).toContain('Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient"');
    expect(nameId[1]).toContain(`NameQualifier="${customer.idp.entityId}"`);
    const acs = await postToAcs(answer.acsUrl, { SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
    expect(acs.statusCode, acs.body).toBe(200);
    expect((await exchange(autoPostForm(acs.body).fields.tokenid!)).json()).toMatchObject({
      'pingone.subject': nameId[2],
      'pingone.nameid.format': 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
      subject: nameId[2],
      email: 'alice@customer001.com',
    });
  });

  it("refuses a Lasso response signed with RSA-SHA1 (Lasso's default signature method)", async () => {
    const customer = customers.redirect;
    const start = await initsso(customer);
    const answer = await lassoRespond({
      idp: { ...customer.idp, signatureMethod: 'rsa-sha1' },
      spMetadata: [customer.spMetadata],
      request: { binding: 'redirect', url: start.headers.location as string },
      user: ALICE,
      sign: 'both',
      times: times(),
    });
    expect(answer.responseXml).toContain('Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"');
    const acs = await postToAcs(answer.acsUrl, { SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
    expect(acs.statusCode).toBe(303);
    expect(new URL(acs.headers.location as string).searchParams.get('error')).toBe('WEAK_ALGORITHM');
  });

  it('signing key rollover: an IdP that loaded our metadata with the renewal certificate keeps verifying after the promotion', async () => {
    const account = await setUpAccount('Rollover SaaS', ['redirect']);
    await app.services.signingKeys.addRenewalKey(account.actor);
    const [configuration] = await app.services.customers.idpConfiguration(account.accountId, account.customers.redirect.idpId);
    expect(configuration!.metadataXml.match(/<ds:X509Certificate>/g)).toHaveLength(2);
    const customer = { ...account.customers.redirect, spMetadata: configuration!.metadataXml };
    const login = async () => {
      const start = await initsso(customer, '', account.saasid);
      expect(start.statusCode, start.body).toBe(302);
      const answer = await lassoRespond({ idp: customer.idp, spMetadata: [customer.spMetadata], request: { binding: 'redirect', url: start.headers.location as string }, user: ALICE, sign: 'both', times: times() });
      const acs = await postToAcs(answer.acsUrl, { SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
      expect(acs.statusCode, acs.body).toBe(200);
      expectAlice((await exchange(autoPostForm(acs.body).fields.tokenid!, 1, account.appAuthorization)).json(), customer, answer.responseXml, account.saasid);
    };
    await login(); // signed by the active key, the first certificate
    await app.services.signingKeys.promoteRenewalKey(account.actor);
    await login(); // signed by the promoted key, the second certificate in the metadata Lasso loaded
  });

  it('an AuthnStatement without AuthnInstant (what Lasso writes when given none) never reaches the app as an empty authn instant', async () => {
    const customer = customers.redirect;
    const answer = await lassoUnsolicited({
      idp: customer.idp,
      spMetadata: [customer.spMetadata],
      spEntityId: customer.spEntityId,
      relayState: `https://pingone.com/1.0/${saasid}`,
      user: ALICE,
      sign: 'both',
      times: { ...times(), authnInstant: null },
    });
    expect(answer.responseXml).toMatch(/<saml:AuthnStatement>/);
    const acs = await postToAcs(answer.acsUrl, { SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
    // SAML core §2.7.2: AuthnInstant is required. Refusing the assertion (with a reason) is
    // correct; so is accepting it with a real instant. Handing the app "" is not.
    if (acs.statusCode === 200) {
      const attributes = (await exchange(autoPostForm(acs.body).fields.tokenid!)).json() as Record<string, string>;
      expect(attributes['pingone.authninstant']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    } else {
      expect(acs.statusCode).toBe(303);
      expect(new URL(acs.headers.location as string).searchParams.get('error')).toMatch(/^[A-Z_]+$/);
    }
  });
});
