import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { declaredBody, drip, endlessBody, redirect, serveXml, slow, startLocalHttpsServer, type LocalHttpsServer } from '../helpers/local-https.js';
import { expectNoPasswd, fixtureCertificate, metadataFixture, type MetadataFixture } from '../helpers/metadata-fixtures.js';
import { accountWithCredential, curlBasic, SP_MANAGED, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const SOAP = 'urn:oasis:names:tc:SAML:2.0:bindings:SOAP';


/** A small IdP EntityDescriptor; each part can be replaced. */
function idpXml(options: { sso?: string; slo?: string; keys?: string; entityId?: string; protocols?: string } = {}): string {
  const cert = fixtureCertificate('okta-signing').der;
  return (
    `<md:EntityDescriptor xmlns:md="${MD}" entityID="${options.entityId ?? 'https://idp.customer.example/saml'}">` +
    `<md:IDPSSODescriptor protocolSupportEnumeration="${options.protocols ?? 'urn:oasis:names:tc:SAML:2.0:protocol'}">` +
    (options.keys ??
      `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`) +
    (options.slo ?? '') +
    (options.sso ?? `<md:SingleSignOnService Binding="${REDIRECT}" Location="https://idp.customer.example/sso"/>`) +
    '</md:IDPSSODescriptor></md:EntityDescriptor>'
  );
}

const xxe = `<?xml version="1.0"?>\n<!DOCTYPE md:EntityDescriptor [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n${idpXml({ entityId: '&xxe;' })}`;
const billionLaughs = (() => {
  const lols = ['<!ENTITY lol0 "lol">'];
  for (let i = 1; i <= 9; i++) lols.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  return `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n${lols.join('\n')}\n]>\n${idpXml({ entityId: '&lol9;' })}`;
})();
const parameterEntities = `<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY % file SYSTEM "file:///etc/passwd"><!ENTITY % dtd SYSTEM "https://127.0.0.1:1/x.dtd">%dtd;]>\n${idpXml()}`;
const okta = metadataFixture('okta.xml');

/** Hostile or unusable metadata: each must give 400 METADATA_INVALID naming the problem. */
const invalidMetadata: [string, string, RegExp][] = [
  ['an external entity reading /etc/passwd (XXE)', xxe, /DTD|DOCTYPE/],
  ['billion laughs', billionLaughs, /DTD|DOCTYPE/],
  ['parameter entities', parameterEntities, /DTD|DOCTYPE/],
  ['an empty document', '', /not XML/],
  ['JSON', '{"entityId":"https://idp.example.com"}', /not XML/],
  ['an HTML page', '<!DOCTYPE html><html><body><p>Sign in<br></body></html>', /DTD|DOCTYPE|not XML/],
  ['an HTML page without doctype', '<html><body><p>Sign in<br></body></html>', /not well-formed XML/],
  ['truncated XML', okta.slice(0, Math.floor(okta.length / 2)), /not well-formed XML/],
  ['an undeclared entity', idpXml({ entityId: '&xxe;' }), /not well-formed XML/],
  [
    'an EntitiesDescriptor with two IdPs',
    `<md:EntitiesDescriptor xmlns:md="${MD}">${idpXml({ entityId: 'https://a.example' })}${idpXml({ entityId: 'https://b.example' })}</md:EntitiesDescriptor>`,
    /2 identity providers/,
  ],
  ['SP-only metadata', metadataFixture('entities-idp-and-sp.xml').replace(/<md:EntityDescriptor entityID="https:\/\/idp\.partner\.example[\s\S]*?<\/md:EntityDescriptor>/, ''), /no SAML 2\.0 identity provider/],
  ['no signing certificate', idpXml({ keys: '' }), /no signing certificate/],
  [
    'an invalid base64 certificate',
    idpXml({
      keys: '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>MII*not base64*</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>',
    }),
    /signing certificate/,
  ],
  ['an IdP without SAML 2.0', idpXml({ protocols: 'urn:oasis:names:tc:SAML:1.1:protocol urn:mace:shibboleth:1.0' }), /SAML 2\.0/],
  ['SSO over SOAP only', idpXml({ sso: `<md:SingleSignOnService Binding="${SOAP}" Location="https://idp.customer.example/soap"/>` }), /HTTP-Redirect or HTTP-POST/],
];

describe.each(testDialects)('PUT …/spManaged/{idpId} with SAML metadata (%s)', (dialect) => {
  let server: LocalHttpsServer;
  const endless = { bytes: 0, closed: false };
  /** METADATA_FETCH_CA_FILE set, private addresses allowed, 500 ms time limit. */
  let trusting: TestInstance;
  /** Default configuration: no extra CA, private addresses refused. */
  let strict: TestInstance;
  /** Private addresses allowed but no CA file: the local server's certificate is not trusted. */
  let noCa: TestInstance;
  const auth = new Map<App, string>();

  beforeAll(async () => {
    server = await startLocalHttpsServer({
      '/okta.xml': serveXml(okta),
      '/adfs.xml': serveXml(metadataFixture('adfs.xml')),
      '/shibboleth.xml': serveXml(metadataFixture('shibboleth.xml'), 'application/xml; charset=utf-8'),
      '/bom.xml': serveXml(`\uFEFF${okta}`),
      '/xxe.xml': serveXml(xxe),
      '/login.html': serveXml('<!DOCTYPE html><html><head><title>Sign in</title></head><body><form><input name="u"><br></form></body></html>', 'text/html'),
      '/slow.xml': slow(3000, okta),
      '/drip.xml': drip(100),
      '/endless.xml': endlessBody(endless),
      '/declared-huge.xml': declaredBody(2 * 1024 * 1024),
      '/moved-301': redirect(301, '/okta.xml'),
      '/moved-302': redirect(302, '/okta.xml'),
      '/moved-303': redirect(303, '/okta.xml'),
      '/moved-307': redirect(307, '/okta.xml'),
      '/moved-308': redirect(308, '/okta.xml'),
    });
    [trusting, strict, noCa] = await Promise.all([
      startTestApp(dialect, { env: { METADATA_FETCH_CA_FILE: server.caFile, METADATA_FETCH_ALLOW_PRIVATE: 'true', METADATA_FETCH_TIMEOUT_MS: '500' } }),
      startTestApp(dialect),
      startTestApp(dialect, { env: { METADATA_FETCH_ALLOW_PRIVATE: 'true', METADATA_FETCH_TIMEOUT_MS: '500' } }),
    ]);
    for (const instance of [trusting, strict, noCa]) {
      const client = await accountWithCredential(instance.app);
      auth.set(instance.app, curlBasic(client.clientId, client.clientSecret));
    }
  });
  afterAll(async () => {
    await Promise.all([trusting, strict, noCa].filter(Boolean).map((i) => i.close()));
    await server?.close();
  });

  let sequence = 0;
  const newIdpId = () => `customer${++sequence}.example`;

  // Each customer gets an account of its own: the fixtures reuse IdP entity IDs, which are unique per account.
  const perCustomer = new Map<string, string>();
  const authFor = async (app: App, idpId: string) => {
    const key = `${[trusting, strict, noCa].findIndex((i) => i.app === app)}:${idpId}`;
    if (!perCustomer.has(key)) {
      const client = await accountWithCredential(app, `Account for ${idpId}`);
      perCustomer.set(key, curlBasic(client.clientId, client.clientSecret));
    }
    return perCustomer.get(key)!;
  };
  const put = async (app: App, idpId: string, body: unknown) =>
    app.inject({ method: 'PUT', url: `${SP_MANAGED}/${encodeURIComponent(idpId)}`, headers: { authorization: await authFor(app, idpId) }, payload: body as object });
  const get = async (app: App, idpId: string) => app.inject({ method: 'GET', url: `${SP_MANAGED}/${encodeURIComponent(idpId)}`, headers: { authorization: await authFor(app, idpId) } });

  /** The PUT was refused with this code, on this field, naming the problem; and nothing was stored. */
  async function expectRefused(app: App, idpId: string, body: unknown, expected: { status?: number; code: string; field: string; message: RegExp }) {
    const res = await put(app, idpId, body);
    expectNoPasswd(res.body);
    const shown = res.body.slice(0, 600);
    expect(res.statusCode, shown).toBe(expected.status ?? 400);
    const error = res.json().error;
    expect(error.code, shown).toBe(expected.code);
    if (expected.status === undefined || expected.status === 400) {
      expect(error.fields?.[0]?.field, shown).toBe(expected.field);
      expect(error.fields[0].message, shown).toMatch(expected.message);
      // VALIDATION_FAILED has a generic top-level message; the others name the problem there too.
      if (expected.code !== 'VALIDATION_FAILED') expect(error.message, shown).toMatch(expected.message);
    }
    const after = await get(app, idpId);
    expect(after.statusCode).toBe(404);
    expect(after.json().error.code).toBe('CUSTOMER_NOT_FOUND');
    const list = await app.inject({ method: 'GET', url: `${SP_MANAGED}?q=${encodeURIComponent(idpId)}`, headers: { authorization: auth.get(app)! } });
    expect(list.json().customers).toEqual([]);
    return error as { code: string; message: string; fields: { field: string; message: string }[] };
  }

  describe('metadataXml', () => {
    it('creates the customer from ADFS metadata and reports every signing certificate with subject and expiry', async () => {
      const idpId = newIdpId();
      const res = await put(trusting.app, idpId, { metadataXml: metadataFixture('adfs.xml') });
      expect(res.statusCode, res.body.slice(0, 600)).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({
        idpId,
        entityId: 'http://sts.contoso-example.com/adfs/services/trust',
        ssoUrl: 'https://sts.contoso-example.com/adfs/ls/',
        ssoBinding: 'redirect',
        sloUrl: 'https://sts.contoso-example.com/adfs/ls/',
        sloResponseUrl: null,
        sloBinding: 'redirect',
        metadataUrl: null,
        enabled: true,
      });
      expect(body.certificates).toHaveLength(2);
      expect(body.certificates.map((c: { subject: string; notAfter: string; sha256Fingerprint: string }) => [c.subject, c.notAfter, c.sha256Fingerprint])).toEqual([
        ['CN=ADFS Signing - sts.contoso-example.com', '2046-01-01T00:00:00.000Z', fixtureCertificate('adfs-signing').sha256Fingerprint],
        ['CN=ADFS Signing - sts.contoso-example.com', '2046-07-01T00:00:00.000Z', fixtureCertificate('adfs-signing-next').sha256Fingerprint],
      ]);
      expect(res.body).not.toContain('ADFS Encryption');

      const read = await get(trusting.app, idpId);
      expect(read.statusCode).toBe(200);
      expect(read.json().certificates).toEqual(body.certificates);

      const again = await put(trusting.app, idpId, { metadataXml: metadataFixture('adfs.xml') });
      expect(again.statusCode).toBe(200);
      expect(again.json().updatedAt).toBe(body.updatedAt);
    });

    it.each<[MetadataFixture, string, number]>([
      ['okta.xml', 'http://www.idp-vendor.example/exk9x2acme4sso7bridge', 1],
      ['shibboleth.xml', 'https://idp.university.example/idp/shibboleth', 1],
      ['entities-idp-and-sp.xml', 'https://idp.partner.example/idp/shibboleth', 1],
      ['entra.xml', 'https://sts.entra-like.example/3f6c1a2b-7d4e-4f5a-9b8c-0e1d2c3b4a59/', 1],
      ['post-only.xml', 'https://sso.smallvendor.example/saml2/idp/metadata.php', 1],
      ['keycloak.xml', 'https://auth.widgets.example/realms/customers', 1],
    ])('creates the customer from %s', async (file, entityId, certificates) => {
      const res = await put(trusting.app, newIdpId(), { metadataXml: metadataFixture(file) });
      expect(res.statusCode, res.body.slice(0, 600)).toBe(201);
      expect(res.json().entityId).toBe(entityId);
      expect(res.json().certificates).toHaveLength(certificates);
      expect(res.json().certificates[0].notAfter).toMatch(/^2046-/);
    });

    it.each(invalidMetadata)('refuses %s with 400 METADATA_INVALID on metadataXml, and stores nothing', async (_name, metadataXml, message) => {
      await expectRefused(trusting.app, newIdpId(), { metadataXml }, { code: 'METADATA_INVALID', field: 'metadataXml', message });
    });

    it('does not change an existing customer when new metadata is refused', async () => {
      const idpId = newIdpId();
      const created = await put(trusting.app, idpId, { metadataXml: okta });
      expect(created.statusCode).toBe(201);
      const res = await put(trusting.app, idpId, { metadataXml: xxe });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('METADATA_INVALID');
      expectNoPasswd(res.body);
      // The PUT's answer is the customer plus its `warnings`.
      const { warnings: _saved, ...customer } = created.json<Record<string, unknown>>();
      expect((await get(trusting.app, idpId)).json()).toEqual(customer);
    });

    it.each([
      ['a plain-http SSO URL', idpXml({ sso: `<md:SingleSignOnService Binding="${REDIRECT}" Location="http://idp.customer.example/sso"/>` })],
      ['a javascript: SSO URL', idpXml({ sso: `<md:SingleSignOnService Binding="${REDIRECT}" Location="javascript:alert(document.domain)"/>` })],
      ['a relative SSO URL', idpXml({ sso: `<md:SingleSignOnService Binding="${REDIRECT}" Location="/sso"/>` })],
      ['a plain-http SLO URL', idpXml({ slo: `<md:SingleLogoutService Binding="${REDIRECT}" Location="http://idp.customer.example/slo"/>` })],
    ])('refuses metadata with %s, as it would refuse the same URL given as a field', async (_name, metadataXml) => {
      await expectRefused(trusting.app, newIdpId(), { metadataXml }, { code: 'METADATA_INVALID', field: 'metadataXml', message: /https/ });
    });

    it('refuses metadataXml over 1 MiB as a validation error naming the limit', async () => {
      const metadataXml = idpXml().replace('</md:EntityDescriptor>', `<!-- ${'x'.repeat(1024 * 1024)} --></md:EntityDescriptor>`);
      await expectRefused(trusting.app, newIdpId(), { metadataXml }, { code: 'VALIDATION_FAILED', field: 'metadataXml', message: /1024 KiB/ });
    });

    it('refuses a 2 MB request body with 413', async () => {
      const metadataXml = idpXml().replace('</md:EntityDescriptor>', `<!-- ${'x'.repeat(2 * 1024 * 1024)} --></md:EntityDescriptor>`);
      await expectRefused(trusting.app, newIdpId(), { metadataXml }, { status: 413, code: 'BODY_TOO_LARGE', field: '', message: /./ });
    });

    it('refuses IdP fields given next to metadata', async () => {
      await expectRefused(trusting.app, newIdpId(), { metadataXml: okta, entityId: 'https://other.example' }, { code: 'VALIDATION_FAILED', field: 'entityId', message: /comes from the metadata/ });
    });
  });

  describe('metadataUrl (a real local HTTPS server)', () => {
    it('creates the customer from metadata fetched over HTTPS, reporting every certificate and the URL', async () => {
      const idpId = newIdpId();
      const metadataUrl = `${server.origin}/adfs.xml`;
      const res = await put(trusting.app, idpId, { metadataUrl });
      expect(res.statusCode, res.body.slice(0, 600)).toBe(201);
      expect(res.json()).toMatchObject({ idpId, entityId: 'http://sts.contoso-example.com/adfs/services/trust', ssoBinding: 'redirect', metadataUrl });
      expect(res.json().certificates.map((c: { subject: string; notAfter: string }) => [c.subject, c.notAfter])).toEqual([
        ['CN=ADFS Signing - sts.contoso-example.com', '2046-01-01T00:00:00.000Z'],
        ['CN=ADFS Signing - sts.contoso-example.com', '2046-07-01T00:00:00.000Z'],
      ]);
      const { warnings, ...customer } = res.json<Record<string, unknown>>();
      expect(warnings).toEqual([]);
      expect((await get(trusting.app, idpId)).json()).toEqual(customer);
    });

    it('accepts a metadata URL with a host name (not only an IP address)', async () => {
      const res = await put(trusting.app, newIdpId(), { metadataUrl: `https://localhost:${server.port}/shibboleth.xml` });
      expect(res.statusCode, res.body.slice(0, 600)).toBe(201);
      expect(res.json().entityId).toBe('https://idp.university.example/idp/shibboleth');
    });

    it('accepts metadata served with a UTF-8 byte order mark', async () => {
      const res = await put(trusting.app, newIdpId(), { metadataUrl: `${server.origin}/bom.xml` });
      expect(res.statusCode, res.body.slice(0, 600)).toBe(201);
      expect(res.json().entityId).toBe('http://www.idp-vendor.example/exk9x2acme4sso7bridge');
    });

    it('refuses a server that answers after the time limit, naming the time limit', async () => {
      // The server answers after 3 s: without the 0.5 s limit this would be a 201.
      await expectRefused(trusting.app, newIdpId(), { metadataUrl: `${server.origin}/slow.xml` }, { code: 'METADATA_FETCH_FAILED', field: 'metadataUrl', message: /within 0\.5 s/ });
    });

    it('refuses a server that trickles its answer past the time limit', async () => {
      await expectRefused(trusting.app, newIdpId(), { metadataUrl: `${server.origin}/drip.xml` }, { code: 'METADATA_FETCH_FAILED', field: 'metadataUrl', message: /within 0\.5 s/ });
    });

    it('refuses an endless body without Content-Length, naming the size, and stops reading', async () => {
      endless.closed = false;
      await expectRefused(trusting.app, newIdpId(), { metadataUrl: `${server.origin}/endless.xml` }, { code: 'METADATA_FETCH_FAILED', field: 'metadataUrl', message: /larger than 1024 KiB/ });
      await expect.poll(() => endless.closed).toBe(true);
    });

    it('refuses a declared 2 MiB body, naming the size', async () => {
      await expectRefused(trusting.app, newIdpId(), { metadataUrl: `${server.origin}/declared-huge.xml` }, { code: 'METADATA_FETCH_FAILED', field: 'metadataUrl', message: /larger than 1024 KiB/ });
    });

    it.each([301, 302, 303, 307, 308])('refuses a redirect (HTTP %i) without following it', async (status) => {
      const before = server.hits.get('/okta.xml') ?? 0;
      await expectRefused(trusting.app, newIdpId(), { metadataUrl: `${server.origin}/moved-${status}` }, { code: 'METADATA_FETCH_FAILED', field: 'metadataUrl', message: /redirect/ });
      expect(server.hits.get('/okta.xml') ?? 0).toBe(before);
    });

    it('refuses a 404, naming the status', async () => {
      await expectRefused(trusting.app, newIdpId(), { metadataUrl: `${server.origin}/missing.xml` }, { code: 'METADATA_FETCH_FAILED', field: 'metadataUrl', message: /HTTP 404/ });
    });

    it('refuses hostile metadata fetched from the URL as METADATA_INVALID on metadataUrl', async () => {
      await expectRefused(trusting.app, newIdpId(), { metadataUrl: `${server.origin}/xxe.xml` }, { code: 'METADATA_INVALID', field: 'metadataUrl', message: /DTD|DOCTYPE/ });
      await expectRefused(trusting.app, newIdpId(), { metadataUrl: `${server.origin}/login.html` }, { code: 'METADATA_INVALID', field: 'metadataUrl', message: /DTD|DOCTYPE|not XML/ });
    });

    it.each([
      ['an http:// URL', (s: LocalHttpsServer) => `http://127.0.0.1:${s.port}/okta.xml`],
      ['an http:// URL with a public host', () => 'http://idp.customer.example/metadata.xml'],
      ['an ftp:// URL', () => 'ftp://idp.customer.example/metadata.xml'],
      ['a relative URL', () => '/okta.xml'],
    ])('refuses %s as a validation error naming https, without fetching it', async (_name, url) => {
      const hits = [...server.hits.values()].reduce((a, b) => a + b, 0);
      await expectRefused(trusting.app, newIdpId(), { metadataUrl: url(server) }, { code: 'VALIDATION_FAILED', field: 'metadataUrl', message: /https/ });
      expect([...server.hits.values()].reduce((a, b) => a + b, 0)).toBe(hits);
    });

    it.each([
      ['127.0.0.1', (s: LocalHttpsServer) => `${s.origin}/okta.xml`],
      ['localhost', (s: LocalHttpsServer) => `https://localhost:${s.port}/okta.xml`],
      ['[::1]', (s: LocalHttpsServer) => `https://[::1]:${s.port}/okta.xml`],
      ['[::ffff:127.0.0.1]', (s: LocalHttpsServer) => `https://[::ffff:127.0.0.1]:${s.port}/okta.xml`],
    ])('with the default configuration, refuses %s as a non-public address without connecting', async (_name, url) => {
      // Addresses that could route off this machine are probed in test/saml/metadata-fetcher-sandbox.test.ts.
      const before = server.hits.get('/okta.xml') ?? 0;
      await expectRefused(strict.app, newIdpId(), { metadataUrl: url(server) }, { code: 'METADATA_FETCH_FAILED', field: 'metadataUrl', message: /not a public address|does not resolve to a public address/ });
      expect(server.hits.get('/okta.xml') ?? 0).toBe(before);
    });

    it('without the CA file, refuses the server certificate, naming TLS', async () => {
      await expectRefused(noCa.app, newIdpId(), { metadataUrl: `${server.origin}/okta.xml` }, { code: 'METADATA_FETCH_FAILED', field: 'metadataUrl', message: /TLS/ });
    });

    it('refuses a URL whose port has nothing listening', async () => {
      await expectRefused(trusting.app, newIdpId(), { metadataUrl: 'https://127.0.0.1:1/metadata.xml' }, { code: 'METADATA_FETCH_FAILED', field: 'metadataUrl', message: /refused the connection/ });
    });
  });
});
