import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { idpMetadataXml } from '../helpers/idp-metadata-xml.js';
import { autoPostForm, CUSTOMER_IDP, idpResponse, ssoSetUp } from '../helpers/sso-fixture.js';
import { samlAppInput, startTestApp, type TestInstance } from '../helpers/test-app.js';
import {
  isoSeconds,
  LassoError,
  lassoSpAccept,
  lassoUnsolicited,
  opensslKeyPair,
  requireLasso,
  signedElements,
  tempDir,
  type KeyPairFiles,
} from './peers.js';

/**
 * Lasso plays a SaaS provider's SAML application: it receives the signed Response our ACS
 * posts to the app's ACS URL, verifies both signatures with the certificate from IdP metadata
 * for our issuer (PingConnect for multiplexed apps), accepts the SSO and reads NameID and
 * attributes. ssobridge does not serve IdP metadata for SAML apps, so the test builds it from
 * the account's published signing certificates.
 */

const PUBLIC_URL = 'http://localhost:8080';
const ACS = `${PUBLIC_URL}/sso/sp/ACS.saml2`;
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

let workDir: { dir: string; remove(): void };
let spKeys: KeyPairFiles;
let strangerKeys: KeyPairFiles;
let lassoIdpKeys: KeyPairFiles;

beforeAll(() => {
  requireLasso();
  workDir = tempDir('ssobridge-lasso-sp-');
  spKeys = opensslKeyPair(workDir.dir, 'sp', 'analytics.example.com');
  strangerKeys = opensslKeyPair(workDir.dir, 'stranger', 'not-ssobridge.example.net');
  lassoIdpKeys = opensslKeyPair(workDir.dir, 'lasso-idp', 'idp.lasso.customer.test');
});
afterAll(async () => {
  workDir?.remove();
  await dropTestDatabases();
});

describe.each(testDialects)('Lasso as the SAML app receiving our assertions (%s)', (dialect) => {
  let instance: TestInstance;
  let app: App;
  let setup: Awaited<ReturnType<typeof ssoSetUp>>;
  let ourCertificates: string[];
  const analytics = { entityId: 'https://analytics.example.com/Analytics', acsUrl: 'https://analytics.example.com/saml/acs' };

  beforeAll(async () => {
    instance = await startTestApp(dialect, { env: { PUBLIC_URL } });
    app = instance.app;
    setup = await ssoSetUp(app);
    // The Analytics app wants groups too.
    await app.services.applications.updateApplication(
      setup.actor,
      setup.saml.saasid,
      samlAppInput('Analytics', { requiredAttributes: [{ name: 'email', required: true }, { name: 'groups', required: false }] }),
    );
    ourCertificates = (await app.services.signingKeys.publishedCertificates(setup.accountId)).map((c) => c.pem);
  });
  afterAll(async () => instance?.close());

  const sp = () => ({ ...analytics, keyFile: spKeys.keyFile, certFile: spKeys.certFile });

  /** An IdP-initiated login from the customer's IdP (our scripted one) to a SAML app; what we post to the app. */
  const deliverToSamlApp = async (saasid: string) => {
    const samlResponse = idpResponse(setup.idpKey, { destination: ACS, audience: `${PUBLIC_URL}/saml/sp/${setup.accountId}`, inResponseTo: null, now: instance.clock.now() });
    const res = await app.inject({
      method: 'POST',
      url: `/sso/sp/ACS.saml2?saasid=${saasid}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ SAMLResponse: samlResponse }).toString(),
    });
    expect(res.statusCode, res.body).toBe(200);
    return autoPostForm(res.body);
  };

  it('verifies both signatures of what we post, issued by PingConnect, and reads the NameID and attributes', async () => {
    const posted = await deliverToSamlApp(setup.saml.saasid);
    expect(posted.action).toBe(analytics.acsUrl);
    const xml = Buffer.from(posted.fields.SAMLResponse!, 'base64').toString('utf8');
    expect(signedElements(xml)).toEqual(['Response', 'Assertion']);

    const accepted = await lassoSpAccept({ sp: sp(), idpMetadata: idpMetadataXml('PingConnect', ourCertificates), SAMLResponse: posted.fields.SAMLResponse! });
    expect(accepted).toMatchObject({
      remoteProviderId: 'PingConnect',
      responseIssuer: 'PingConnect',
      assertionIssuer: 'PingConnect',
      destination: analytics.acsUrl,
      recipient: analytics.acsUrl,
      nameId: 'alice@customer001.com',
      nameIdFormat: EMAIL_FORMAT,
      attributes: { email: ['alice@customer001.com'], groups: ['admins', 'staff'] },
      // Lasso's own checks of the assertion for this SP: audience and validity window.
      conditions: 'valid',
      audience: 'valid',
      timeChecks: 'valid',
    });
  });

  it('control: Lasso checks each signature: another certificate, a changed NameID, or a changed assertion under a stripped response signature are refused', async () => {
    const posted = await deliverToSamlApp(setup.saml.saasid);
    const accept = (samlResponse: string, certificates = ourCertificates, verify: 'force' | 'maybe' = 'force') =>
      lassoSpAccept({ sp: sp(), idpMetadata: idpMetadataXml('PingConnect', certificates), SAMLResponse: samlResponse, verify });
    await expect(accept(posted.fields.SAMLResponse!, [strangerKeys.certPem])).rejects.toMatchObject({ lassoError: 'DsSignatureVerificationFailedError' });

    const xml = Buffer.from(posted.fields.SAMLResponse!, 'base64').toString('utf8');
    const base64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    const forgeNameId = (s: string) => s.replace('>alice@customer001.com</saml:NameID>', '>mallory@customer001.com</saml:NameID>');
    expect(forgeNameId(xml)).not.toBe(xml);
    await expect(accept(base64(forgeNameId(xml)))).rejects.toMatchObject({ lassoError: 'DsSignatureVerificationFailedError' });

    // Without the Response signature (and Lasso told to allow that), the Assertion signature alone decides.
    const responseSignature = /^(<samlp:Response\b[^>]*>\s*<saml:Issuer>[^<]*<\/saml:Issuer>)(<ds:Signature\b[\s\S]*?<\/ds:Signature>)/;
    expect(xml).toMatch(responseSignature);
    const assertionSignedOnly = xml.replace(responseSignature, '$1');
    expect(signedElements(assertionSignedOnly)).toEqual(['Assertion']);
    await expect(accept(base64(assertionSignedOnly), ourCertificates, 'maybe')).resolves.toMatchObject({ nameId: 'alice@customer001.com', attributes: { email: ['alice@customer001.com'] } });
    await expect(accept(base64(assertionSignedOnly), [strangerKeys.certPem], 'maybe')).rejects.toBeInstanceOf(LassoError);
    await expect(accept(base64(forgeNameId(assertionSignedOnly)), ourCertificates, 'maybe')).rejects.toBeInstanceOf(LassoError);
  });

  it('a non-multiplexed SAML app sees the customer IdP as issuer, still signed with our key', async () => {
    const reports = await app.services.applications.createApplication(
      setup.actor,
      samlAppInput('Reports', { acsUrl: 'https://reports.example.com/saml/acs', spEntityId: 'https://reports.example.com/sp', multiplexed: false }),
    );
    await app.services.customers.putCustomer(setup.actor, 'customer001.com', {
      entityId: CUSTOMER_IDP,
      ssoUrl: 'https://idp.customer001.com/sso',
      certificates: [setup.idpKey.certificatePem],
      applications: [setup.rest.saasid, setup.saml.saasid, { saasid: reports.saasid, multiplexed: true }],
      multiplexed: true,
    });
    const posted = await deliverToSamlApp(reports.saasid);
    expect(posted.action).toBe('https://reports.example.com/saml/acs');
    const accepted = await lassoSpAccept({
      sp: { entityId: 'https://reports.example.com/sp', acsUrl: 'https://reports.example.com/saml/acs', keyFile: spKeys.keyFile, certFile: spKeys.certFile },
      idpMetadata: idpMetadataXml(CUSTOMER_IDP, ourCertificates),
      SAMLResponse: posted.fields.SAMLResponse!,
    });
    expect(accepted).toMatchObject({ responseIssuer: CUSTOMER_IDP, assertionIssuer: CUSTOMER_IDP, nameId: 'alice@customer001.com', conditions: 'valid' });
  });

  it('Lasso on both sides: Lasso IdP → ssobridge → Lasso SP', async () => {
    const idpId = 'lasso.customer.test';
    const idp = { entityId: 'https://idp.lasso.customer.test/saml', ssoUrl: 'https://idp.lasso.customer.test/sso', keyFile: lassoIdpKeys.keyFile, certFile: lassoIdpKeys.certFile };
    await app.services.customers.putCustomer(setup.actor, idpId, {
      entityId: idp.entityId,
      ssoUrl: idp.ssoUrl,
      certificates: [lassoIdpKeys.certPem],
      applications: [setup.saml.saasid],
      multiplexed: true,
    });
    const [configuration] = await app.services.customers.idpConfiguration(setup.accountId, idpId);
    const now = instance.clock.now();
    const fromIdp = await lassoUnsolicited({
      idp,
      spMetadata: [configuration!.metadataXml],
      spEntityId: configuration!.entityId,
      relayState: `https://pingone.com/1.0/${setup.saml.saasid}`,
      user: { nameId: 'bob@lasso.customer.test', nameIdFormat: EMAIL_FORMAT, attributes: { email: ['bob@lasso.customer.test'], groups: ['finance'] } },
      sign: 'assertion',
      times: { authnInstant: isoSeconds(now), notBefore: isoSeconds(now - 60_000), notOnOrAfter: isoSeconds(now + 300_000) },
    });
    const acs = new URL(fromIdp.acsUrl);
    const res = await app.inject({
      method: 'POST',
      url: acs.pathname + acs.search,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ SAMLResponse: fromIdp.SAMLResponse, RelayState: fromIdp.RelayState! }).toString(),
    });
    expect(res.statusCode, res.body).toBe(200);
    const posted = autoPostForm(res.body);
    const accepted = await lassoSpAccept({ sp: sp(), idpMetadata: idpMetadataXml('PingConnect', ourCertificates), SAMLResponse: posted.fields.SAMLResponse! });
    expect(accepted).toMatchObject({
      responseIssuer: 'PingConnect',
      nameId: 'bob@lasso.customer.test',
      nameIdFormat: EMAIL_FORMAT,
      attributes: { email: ['bob@lasso.customer.test'], groups: ['finance'] },
      conditions: 'valid',
    });
  });

  it('an assertion from the customer without AuthnInstant is refused or delivered with a valid AuthnInstant, never AuthnInstant=""', async () => {
    const idpId = 'lasso.customer.test';
    const idp = { entityId: 'https://idp.lasso.customer.test/saml', ssoUrl: 'https://idp.lasso.customer.test/sso', keyFile: lassoIdpKeys.keyFile, certFile: lassoIdpKeys.certFile };
    await app.services.customers.putCustomer(setup.actor, idpId, { entityId: idp.entityId, ssoUrl: idp.ssoUrl, certificates: [lassoIdpKeys.certPem], applications: [setup.saml.saasid], multiplexed: true });
    const [configuration] = await app.services.customers.idpConfiguration(setup.accountId, idpId);
    const now = instance.clock.now();
    const fromIdp = await lassoUnsolicited({
      idp,
      spMetadata: [configuration!.metadataXml],
      spEntityId: configuration!.entityId,
      relayState: `https://pingone.com/1.0/${setup.saml.saasid}`,
      user: { nameId: 'bob@lasso.customer.test', nameIdFormat: EMAIL_FORMAT, attributes: { email: ['bob@lasso.customer.test'] } },
      sign: 'both',
      times: { authnInstant: null, notBefore: isoSeconds(now - 60_000), notOnOrAfter: isoSeconds(now + 300_000) },
    });
    expect(fromIdp.responseXml).toMatch(/<saml:AuthnStatement>/);
    const res = await app.inject({
      method: 'POST',
      url: new URL(fromIdp.acsUrl).pathname,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ SAMLResponse: fromIdp.SAMLResponse, RelayState: fromIdp.RelayState! }).toString(),
    });
    if (res.statusCode === 200) {
      const xml = Buffer.from(autoPostForm(res.body).fields.SAMLResponse!, 'base64').toString('utf8');
      // SAML core §2.7.2: AuthnInstant is a required xs:dateTime.
      expect(/<saml:AuthnStatement\b[^>]*\bAuthnInstant="([^"]*)"/.exec(xml)?.[1]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    } else {
      expect(res.statusCode, res.body).not.toBe(500);
      expect(res.body).toMatch(/Reason: <code>[A-Z_]+<\/code>/);
    }
  });
});
