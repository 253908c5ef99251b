import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildIdpMetadata } from '../../src/saml/idp-metadata-builder.js';
import { parseIdpMetadata } from '../../src/saml/idp-metadata.js';
import { validateSamlResponse } from '../../src/saml/response-validation.js';
import { childElements, descendantElements, NS, parseUntrustedXml } from '../../src/saml/xml.js';
import { signedInAdmin, unescapeHtml } from '../helpers/console-admin.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { autoPostForm, CUSTOMER_IDP, CUSTOMER_SSO, customerIdpKey, idpResponse, ssoSetUp } from '../helpers/sso-fixture.js';
import { restAppInput, samlAppInput, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const ACS = 'http://localhost:8080/sso/sp/ACS.saml2';
const metadataUrl = (saasid: string) => `/sso/idp/metadata/${saasid}`;

describe('buildIdpMetadata', () => {
  it('escapes every value, so any entity ID or URL reads back exactly', async () => {
    const key = await customerIdpKey();
    const entityId = `urn:x:"quoted" & <tagged> 'apostrophe'`;
    const ssoUrl = 'https://sso.example.com/sso/sp/initsso?saasid=a&idpid=b"c';
    const xml = buildIdpMetadata({ entities: [{ entityId, ssoUrl }], signingCertificatesPem: [key.certificatePem], nameIdFormats: ['urn:a&b'] });
    const parsed = parseIdpMetadata(xml);
    expect(parsed).toMatchObject({ entityId, ssoUrl, ssoBinding: 'redirect' });
    const root = parseUntrustedXml(xml, 'idpMetadata').documentElement!;
    expect(descendantElements(root, NS.md, 'NameIDFormat').map((e) => e.textContent)).toEqual(['urn:a&b']);
  });
});

describe.each(testDialects)('IdP metadata for SAML apps (%s)', (dialect) => {
  let instance: TestInstance | undefined;
  afterEach(async () => {
    await instance?.close();
    instance = undefined;
  });
  const start = async () => {
    instance = await startTestApp(dialect);
    return instance.app;
  };

  it('describes the shared issuer of a multiplexed app: entity ID, published certificates, initsso URL, NameID formats', async () => {
    const app = await start();
    const s = await ssoSetUp(app);
    await app.services.signingKeys.addRenewalKey(s.actor);
    const res = await app.inject({ method: 'GET', url: metadataUrl(s.saml.saasid) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/samlmetadata+xml; charset=utf-8');

    // The strict parser (no DTD, well-formed, size-capped) accepts it.
    const root = parseUntrustedXml(res.body, 'idpMetadata').documentElement!;
    expect(root.localName).toBe('EntityDescriptor');
    const idp = childElements(root, NS.md, 'IDPSSODescriptor')[0]!;
    expect(idp.getAttribute('protocolSupportEnumeration')).toBe('urn:oasis:names:tc:SAML:2.0:protocol');
    expect(childElements(idp, NS.md, 'NameIDFormat').map((e) => e.textContent)).toContain('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    expect(childElements(idp, NS.md, 'KeyDescriptor').map((k) => k.getAttribute('use'))).toEqual(['signing', 'signing']);

    const parsed = parseIdpMetadata(res.body);
    expect(parsed.entityId).toBe('PingConnect');
    expect(parsed.ssoUrl).toBe(`http://localhost:8080/sso/sp/initsso?saasid=${s.saml.saasid}`);
    expect(parsed.ssoBinding).toBe('redirect');
    // The active key, then the renewal key, exactly as published.
    const published = await app.services.signingKeys.publishedCertificates(s.accountId);
    expect(parsed.certificates.map((c) => c.sha256Fingerprint)).toEqual(published.map((c) => c.sha256Fingerprint));
    expect(published).toHaveLength(2);

    // What the app imports is what it then receives: an assertion from that issuer, signed by that key.
    const login = await app.inject({
      method: 'POST',
      url: `/sso/sp/ACS.saml2?saasid=${s.saml.saasid}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ SAMLResponse: idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null }) }).toString(),
    });
    expect(login.statusCode, login.body).toBe(200);
    const delivered = validateSamlResponse(autoPostForm(login.body).fields.SAMLResponse!, {
      acsUrls: ['https://analytics.example.com/saml/acs'],
      audience: 'https://analytics.example.com/Analytics',
      idpEntityId: parsed.entityId,
      idpCertificatesPem: parsed.certificates.map((c) => c.pem),
      inResponseTo: null,
      now: Date.now(),
      clockSkewMs: 60_000,
    });
    expect(delivered.nameId).toBe('alice@customer001.com');

    // The SSO URL starts a login for the app.
    const initsso = await app.inject({ method: 'GET', url: parsed.ssoUrl.replace('http://localhost:8080', '') });
    expect(initsso.statusCode).toBe(200);
    expect(initsso.body).toContain('Work email address');
  });

  it("uses the app's custom entity ID as issuer", async () => {
    const app = await start();
    const s = await ssoSetUp(app);
    const custom = await app.services.applications.createApplication(s.actor, samlAppInput('Reports', { customEntityId: 'https://idp.acme-saas.example/reports?x=1&y=2' }));
    const parsed = parseIdpMetadata((await app.inject({ method: 'GET', url: metadataUrl(custom.saasid) })).body);
    expect(parsed.entityId).toBe('https://idp.acme-saas.example/reports?x=1&y=2');
  });

  it("lists one entity per connected customer for a non-multiplexed app, each with the customer's IdP entity ID", async () => {
    const app = await start();
    const s = await ssoSetUp(app);
    const own = await app.services.applications.createApplication(s.actor, samlAppInput('Ledger', { multiplexed: false }));
    const empty = await app.inject({ method: 'GET', url: metadataUrl(own.saasid) });
    expect(empty.statusCode).toBe(404);
    expect(empty.json()).toMatchObject({ error: { code: 'CUSTOMER_NOT_FOUND' } });

    const key = await customerIdpKey();
    await app.services.customers.putCustomer(s.actor, 'customer001.com', { entityId: CUSTOMER_IDP, ssoUrl: CUSTOMER_SSO, certificates: [key.certificatePem], emailDomains: ['customer001.com'], applications: [s.rest.saasid, s.saml.saasid, own.saasid] });
    const one = await app.inject({ method: 'GET', url: metadataUrl(own.saasid) });
    expect(one.statusCode, one.body).toBe(200);
    expect(parseUntrustedXml(one.body, 'idpMetadata').documentElement!.localName).toBe('EntitiesDescriptor');
    const parsed = parseIdpMetadata(one.body);
    expect(parsed.entityId).toBe(CUSTOMER_IDP);
    expect(parsed.ssoUrl).toBe(`http://localhost:8080/sso/sp/initsso?saasid=${own.saasid}&idpid=customer001.com`);
    const [published] = await app.services.signingKeys.publishedCertificates(s.accountId);
    expect(parsed.certificates.map((c) => c.sha256Fingerprint)).toEqual([published!.sha256Fingerprint]);

    // The assertion the app receives is issued by the customer's entity ID.
    const login = await app.inject({
      method: 'POST',
      url: `/sso/sp/ACS.saml2?saasid=${own.saasid}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ SAMLResponse: idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null }) }).toString(),
    });
    expect(login.statusCode, login.body).toBe(200);
    const delivered = validateSamlResponse(autoPostForm(login.body).fields.SAMLResponse!, {
      acsUrls: ['https://analytics.example.com/saml/acs'],
      audience: 'https://analytics.example.com/Ledger',
      idpEntityId: parsed.entityId,
      idpCertificatesPem: parsed.certificates.map((c) => c.pem),
      inResponseTo: null,
      now: Date.now(),
      clockSkewMs: 60_000,
    });
    expect(delivered.issuer).toBe(CUSTOMER_IDP);

    await app.services.customers.putCustomer(s.actor, 'customer002.com', { entityId: 'https://idp.customer002.com/saml', ssoUrl: 'https://idp.customer002.com/sso', certificates: [key.certificatePem], applications: [own.saasid] });
    const two = await app.inject({ method: 'GET', url: metadataUrl(own.saasid) });
    const entities = descendantElements(parseUntrustedXml(two.body, 'idpMetadata'), NS.md, 'EntityDescriptor');
    expect(entities.map((e) => e.getAttribute('entityID'))).toEqual([CUSTOMER_IDP, 'https://idp.customer002.com/saml']);
    const ssoUrls = descendantElements(parseUntrustedXml(two.body, 'idpMetadata'), NS.md, 'SingleSignOnService').map((e) => e.getAttribute('Location'));
    expect(ssoUrls).toEqual([
      `http://localhost:8080/sso/sp/initsso?saasid=${own.saasid}&idpid=customer001.com`,
      `http://localhost:8080/sso/sp/initsso?saasid=${own.saasid}&idpid=customer002.com`,
    ]);

    // ?idpid= narrows it to one customer's EntityDescriptor; the SSO URL sends the user straight to that IdP.
    const single = await app.inject({ method: 'GET', url: `${metadataUrl(own.saasid)}?idpid=customer002.com` });
    expect(parseUntrustedXml(single.body, 'idpMetadata').documentElement!.localName).toBe('EntityDescriptor');
    expect(parseIdpMetadata(single.body).entityId).toBe('https://idp.customer002.com/saml');
    const start002 = await app.inject({ method: 'GET', url: parseIdpMetadata(single.body).ssoUrl.replace('http://localhost:8080', '') });
    expect(start002.statusCode).toBe(302);
    expect(start002.headers.location).toMatch(/^https:\/\/idp\.customer002\.com\/sso\?SAMLRequest=/);
    expect((await app.inject({ method: 'GET', url: `${metadataUrl(own.saasid)}?idpid=nobody.example` })).statusCode).toBe(404);
  });

  it('answers 404 for an unknown saasid, a malformed one, and a REST app', async () => {
    const app = await start();
    const s = await ssoSetUp(app);
    const rest = await app.services.applications.createApplication(s.actor, restAppInput('Other'));
    for (const saasid of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', rest.saasid, s.rest.saasid]) {
      const res = await app.inject({ method: 'GET', url: metadataUrl(saasid) });
      expect(res.statusCode, saasid).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'APPLICATION_NOT_FOUND' } });
    }
  });

  it("is linked from a SAML application's page in the console, and not from a REST app's", async () => {
    const app = await start();
    const { browser, actor } = await signedInAdmin(app);
    const saml = await app.services.applications.createApplication(actor, samlAppInput('Analytics'));
    const rest = await app.services.applications.createApplication(actor, restAppInput('Billing'));
    const page = await browser.get(`/console/applications/${saml.saasid}`);
    const url = `http://localhost:8080/sso/idp/metadata/${saml.saasid}`;
    expect(page.body).toContain(`<a href="${url}" class="button">Open IdP metadata</a>`);
    expect(unescapeHtml(/<code id="idp-metadata-url"[^>]*>([^<]+)<\/code>/.exec(page.body)![1]!)).toBe(url);
    expect((await browser.get(`/console/applications/${rest.saasid}`)).body).not.toContain('IdP metadata');
  });
});
