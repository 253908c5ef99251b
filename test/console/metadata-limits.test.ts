import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XML_LIMITS } from '../../src/saml/xml-limits.js';
import type { ConsoleClient } from '../helpers/console-client.js';
import { fieldErrorText, signedInAdmin, unescapeHtml } from '../helpers/console-admin.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { hostileXml, type HostileShape, type RootElement } from '../helpers/hostile-xml.js';
import { startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const idpRoot: RootElement = { open: `<md:EntityDescriptor xmlns:md="${MD}" entityID="https://idp.hostile.example">`, close: '</md:EntityDescriptor>' };
const spRoot: RootElement = { open: `<md:EntityDescriptor xmlns:md="${MD}" entityID="https://sp.hostile.example">`, close: '</md:EntityDescriptor>' };

type RefusedShape = Exclude<HostileShape, 'text'>;

/** What a metadata document of each hostile shape is refused with (the figures of docs/limits.md). */
const refusal = (shape: RefusedShape, label: string): string =>
  ({
    wide: `The metadata has more than 3,000 XML nodes (the limit for ${label}).`,
    deep: `The metadata is nested deeper than 32 elements (the limit for ${label}).`,
    attributes: `The metadata has more than 3,000 attributes (the limit for ${label}).`,
    references: `The metadata has more than 2,000 character or entity references (&…;) (the limit for ${label}).`,
    doctype: 'The metadata contains a DTD (<!DOCTYPE or <!ENTITY), which SAML does not allow.',
  })[shape];

const shapes: RefusedShape[] = ['wide', 'deep', 'attributes', 'references', 'doctype'];

describe.each(testDialects)('console metadata forms: hostile XML is refused before a DOM is built (%s)', (dialect) => {
  let instance: TestInstance;
  let browser: ConsoleClient;
  let accountId: string;
  beforeAll(async () => {
    instance = await startTestApp(dialect);
    ({ browser, accountId } = await signedInAdmin(instance.app));
  });
  afterAll(async () => {
    await instance.close();
  });

  it.each(shapes)('customer connection form: a %s IdP metadata document of 1 MiB is refused next to the field, naming the limit', async (shape) => {
    await browser.get('/console/customer-connections/new');
    const res = await browser.post('/console/customer-connections/new', {
      idpId: 'hostile.example',
      source: 'metadataXml',
      metadataXml: hostileXml(shape, XML_LIMITS.idpMetadata.maxBytes, idpRoot),
      emailDomains: '',
      enabled: 'true',
    });
    expect(res.statusCode).toBe(400);
    expect(unescapeHtml(fieldErrorText(res.body, 'customer-metadataXml-error') ?? '')).toBe(refusal(shape, 'IdP metadata'));
    expect((await instance.app.services.customers.listCustomers(accountId, {})).customers).toEqual([]);
  });

  it.each(shapes)('"Fill from metadata": a %s SP metadata document of 1 MiB is refused next to the field, naming the limit', async (shape) => {
    await browser.get('/console/applications/new/saml');
    const res = await browser.post('/console/applications/new/saml/metadata', { spMetadata: hostileXml(shape, XML_LIMITS.spMetadata.maxBytes, spRoot) });
    expect(res.statusCode).toBe(400);
    expect(unescapeHtml(fieldErrorText(res.body, 'spMetadata-error') ?? '')).toBe(refusal(shape, 'SP metadata'));
  });
});
