import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { XML_LIMITS } from '../../src/saml/xml-limits.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { hostileXml, insideRoot, xmlAtLimits, type HostileShape, type RootElement } from '../helpers/hostile-xml.js';
import { serveXml, startLocalHttpsServer, type LocalHttpsServer } from '../helpers/local-https.js';
import { accountWithCredential, curlBasic, SP_MANAGED, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const MAX = XML_LIMITS.idpMetadata.maxBytes;
const root: RootElement = {
  // Single quotes: the document travels in JSON, where double quotes would grow it.
  open: "<md:EntityDescriptor xmlns:md='urn:oasis:names:tc:SAML:2.0:metadata' entityID='https://idp.hostile.example'>",
  close: '</md:EntityDescriptor>',
};

/** What each hostile shape of 1 MiB is refused with: the limit it breaks, named. */
const refusals: [HostileShape, string][] = [
  ['wide', 'The metadata has more than 3,000 XML nodes (the limit for IdP metadata).'],
  ['deep', 'The metadata is nested deeper than 32 elements (the limit for IdP metadata).'],
  ['attributes', 'The metadata has more than 3,000 attributes (the limit for IdP metadata).'],
  ['references', 'The metadata has more than 2,000 character or entity references (&…;) (the limit for IdP metadata).'],
  ['doctype', 'The metadata contains a DTD (<!DOCTYPE or <!ENTITY), which SAML does not allow.'],
];

describe.each(testDialects)('PUT …/spManaged/{idpId}: hostile metadata is refused before a DOM is built (%s)', (dialect) => {
  let server: LocalHttpsServer;
  let instance: TestInstance;
  let authorization: string;
  let accountId: string;
  beforeAll(async () => {
    server = await startLocalHttpsServer(Object.fromEntries(refusals.map(([shape]) => [`/${shape}.xml`, serveXml(hostileXml(shape, MAX, root))])));
    instance = await startTestApp(dialect, { env: { METADATA_FETCH_CA_FILE: server.caFile, METADATA_FETCH_ALLOW_PRIVATE: 'true' } });
    const client = await accountWithCredential(instance.app);
    authorization = curlBasic(client.clientId, client.clientSecret);
    accountId = client.accountId;
  });
  afterAll(async () => {
    await instance.close();
    await server.close();
  });

  const put = (app: App, body: Record<string, unknown>) =>
    app.inject({ method: 'PUT', url: `${SP_MANAGED}/hostile.example`, headers: { authorization, 'content-type': 'application/json' }, payload: JSON.stringify(body) });

  it.each(refusals)('metadataXml: a %s document of 1 MiB answers METADATA_INVALID naming the limit', async (shape, message) => {
    const res = await put(instance.app, { metadataXml: hostileXml(shape, MAX, root) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'METADATA_INVALID', message, fields: [{ field: 'metadataXml', message }] } });
  });

  it.each(refusals)('metadataUrl: a %s document of 1 MiB answers METADATA_INVALID naming the limit', async (shape, message) => {
    const res = await put(instance.app, { metadataUrl: `${server.origin}/${shape}.xml` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'METADATA_INVALID', message, fields: [{ field: 'metadataUrl', message }] } });
  });

  it('reads a document within every limit (1 MiB of text, or at the node, attribute and reference limits) and says what is missing from it', async () => {
    for (const xml of [hostileXml('text', MAX, root), xmlAtLimits(XML_LIMITS.idpMetadata, MAX, insideRoot(root))]) {
      const res = await put(instance.app, { metadataXml: xml });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'METADATA_INVALID', message: 'The metadata has no md:IDPSSODescriptor.' });
    }
  });

  it('refuses a document one byte over 1 MiB, counted in UTF-8 bytes', async () => {
    // 1 MiB of characters but one byte more in UTF-8 (é is two bytes): only the pre-scan can tell.
    const text = hostileXml('text', MAX, root);
    const res = await put(instance.app, { metadataXml: text.replace('xx', 'éx') });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'METADATA_INVALID', fields: [{ field: 'metadataXml', message: 'The metadata is larger than 1024 KiB (the limit for IdP metadata).' }] });
    const longer = await put(instance.app, { metadataXml: `${text} ` });
    expect(longer.statusCode).toBe(400);
    expect(longer.json().error).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'metadataXml', message: 'must be at most 1024 KiB' }] });
    expect((await instance.app.services.customers.listCustomers(accountId, {})).customers).toEqual([]);
  });
});
