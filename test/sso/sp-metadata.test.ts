import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { certificateBody } from '../../src/saml/certificates.js';
import { parseSpMetadata } from '../../src/saml/sp-metadata-parse.js';
import { childElements, descendantElements, NS, parseUntrustedXml } from '../../src/saml/xml.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { ssoSetUp } from '../helpers/sso-fixture.js';
import { curlBasic, operatorActor, samlAppInput, SP_MANAGED, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const PUBLIC_URL = 'http://localhost:8080';
const pathOf = (url: string) => new URL(url).pathname;

describe.each(testDialects)('public SP metadata at the SP entity ID URL (%s)', (dialect) => {
  let instance: TestInstance | undefined;
  afterEach(async () => {
    await instance?.close();
    instance = undefined;
  });
  const start = async () => {
    instance = await startTestApp(dialect, { env: { PUBLIC_URL } });
    return instance.app;
  };

  it('answers the shared entity ID with its metadata, unauthenticated and cacheable, with the renewal certificate once published', async () => {
    const app = await start();
    const s = await ssoSetUp(app);
    const entityId = `${PUBLIC_URL}/saml/sp/${s.accountId}`;

    const before = await app.inject({ method: 'GET', url: pathOf(entityId) });
    expect(before.statusCode, before.body).toBe(200);
    expect(before.headers['content-type']).toBe('application/samlmetadata+xml; charset=utf-8');
    expect(before.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
    expect(before.headers.etag).toMatch(/^"[^"]+"$/);
    const parsed = parseSpMetadata(before.body);
    expect(parsed.entityId).toBe(entityId);
    expect(parsed.acsUrl).toBe(`${PUBLIC_URL}/sso/sp/ACS.saml2`);
    const signingCertificates = (xml: string) =>
      descendantElements(parseUntrustedXml(xml, 'idpMetadata'), NS.md, 'KeyDescriptor').map((k) => descendantElements(k, NS.ds, 'X509Certificate')[0]!.textContent);
    const [active] = await app.services.signingKeys.publishedCertificates(s.accountId);
    expect(signingCertificates(before.body)).toEqual([certificateBody(active!.pem)]);

    // Revalidation: the same document is not sent again.
    const unchanged = await app.inject({ method: 'GET', url: pathOf(entityId), headers: { 'if-none-match': before.headers.etag as string } });
    expect(unchanged.statusCode).toBe(304);
    expect(unchanged.body).toBe('');

    await app.services.signingKeys.addRenewalKey(s.actor);
    const after = await app.inject({ method: 'GET', url: pathOf(entityId), headers: { 'if-none-match': before.headers.etag as string } });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    const published = await app.services.signingKeys.publishedCertificates(s.accountId);
    expect(published).toHaveLength(2);
    expect(signingCertificates(after.body)).toEqual(published.map((c) => certificateBody(c.pem)));
  });

  it("answers a non-multiplexed app's own entity ID with that app's ACS URL and requested attributes", async () => {
    const app = await start();
    const s = await ssoSetUp(app);
    const entityId = `${PUBLIC_URL}/saml/sp/${s.accountId}/${s.saml.saasid}`;
    const res = await app.inject({ method: 'GET', url: pathOf(entityId) });
    expect(res.statusCode, res.body).toBe(200);
    const parsed = parseSpMetadata(res.body);
    expect(parsed.entityId).toBe(entityId);
    expect(parsed.acsUrl).toBe(`${PUBLIC_URL}/sso/sp/ACS.saml2?saasid=${s.saml.saasid}`);
    expect(parsed.requiredAttributes).toEqual([{ name: 'email', required: true }]);
    const sp = childElements(parseUntrustedXml(res.body, 'idpMetadata').documentElement!, NS.md, 'SPSSODescriptor')[0]!;
    expect(sp.getAttribute('AuthnRequestsSigned')).toBe('true');
  });

  it('answers 404 for an unknown account, an unknown app, and an app of another account', async () => {
    const app = await start();
    const s = await ssoSetUp(app);
    const { account: other } = await app.services.accounts.createAccount(operatorActor, 'Other SaaS');
    const otherApp = await app.services.applications.createApplication(operatorActor(other.id), samlAppInput('Elsewhere'));
    for (const url of [
      '/saml/sp/00000000-0000-4000-8000-000000000000',
      '/saml/sp/not-an-account',
      `/saml/sp/${s.accountId}/00000000-0000-4000-8000-000000000000`,
      `/saml/sp/${s.accountId}/${otherApp.saasid}`,
    ]) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toMatch(/^(ACCOUNT|APPLICATION)_NOT_FOUND$/);
    }
  });

  it("links it from the API's idpConfiguration, one URL per SP identity the customer trusts", async () => {
    const app = await start();
    const s = await ssoSetUp(app);
    const own = await app.services.applications.createApplication(s.actor, samlAppInput('Ledger'));
    await app.services.customers.putCustomer(s.actor, 'customer001.com', { entityId: 'https://idp.customer001.com/saml', ssoUrl: 'https://idp.customer001.com/sso', certificates: [s.idpKey.certificatePem], applications: [{ saasid: own.saasid, multiplexed: false }] });
    const api = await app.services.credentials.createConnectionApiCredential(s.actor, { description: 'backend' });
    const res = await app.inject({
      method: 'GET',
      url: `${SP_MANAGED}/customer001.com/idpConfiguration`,
      headers: { authorization: curlBasic(api.credential.clientId, api.clientSecret) },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { configurations } = res.json<{ configurations: { entityId: string; acsUrl: string; spMetadataUrl: string }[] }>();
    expect(configurations.map((c) => c.spMetadataUrl)).toEqual([`${PUBLIC_URL}/saml/sp/${s.accountId}`, `${PUBLIC_URL}/saml/sp/${s.accountId}/${own.saasid}`]);
    // Fetched without credentials, each describes the identity it is listed with.
    for (const c of configurations) {
      const metadata = await app.inject({ method: 'GET', url: pathOf(c.spMetadataUrl) });
      expect(parseSpMetadata(metadata.body)).toMatchObject({ entityId: c.entityId, acsUrl: c.acsUrl });
    }
  });
});
