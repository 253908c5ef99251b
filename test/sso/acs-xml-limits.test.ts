import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { XML_LIMITS } from '../../src/saml/xml-limits.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { hostileXml, insideRoot, xmlAtLimits, type HostileShape, type RootElement } from '../helpers/hostile-xml.js';
import { CUSTOMER_IDP, ssoSetUp } from '../helpers/sso-fixture.js';
import { startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const MAX = XML_LIMITS.samlResponse.maxBytes;
const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';

/** A response answering a sign-in that was never started here: anyone can post one. */
const answeringNothing: RootElement = {
  open: `<samlp:Response xmlns:samlp="${PROTOCOL}" ID="_hostile" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" InResponseTo="_never-requested">`,
  close: '</samlp:Response>',
};
/** An unsolicited response naming a connected IdP as its issuer: routed to a real connection. */
const fromConnectedIdp: RootElement = {
  open: `<samlp:Response xmlns:samlp="${PROTOCOL}" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_hostile" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><saml:Issuer>${CUSTOMER_IDP}</saml:Issuer>`,
  close: '</samlp:Response>',
};

const reasonOf = (html: string) => /Reason: <code>([A-Z0-9_]+)<\/code>/.exec(html)?.[1];
const messageOf = (html: string) => /<h1>Sign-in failed<\/h1>\s*<p>([^<]*)<\/p>/.exec(html)?.[1];

describe.each(testDialects)('ACS: hostile XML is refused by the pre-scan (%s)', (dialect) => {
  let instance: TestInstance | undefined;
  afterEach(async () => {
    await instance?.close();
    instance = undefined;
  });

  const post = (xml: string, query = '') =>
    instance!.app.inject({
      method: 'POST',
      url: `/sso/sp/ACS.saml2${query}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ SAMLResponse: Buffer.from(xml, 'utf8').toString('base64') }).toString(),
    });

  it.each<[HostileShape, string]>([
    ['wide', 'has more than 2,000 XML nodes (the limit for a SAML response)'],
    ['deep', 'is nested deeper than 32 elements (the limit for a SAML response)'],
    ['attributes', 'has more than 2,000 attributes (the limit for a SAML response)'],
    ['references', 'has more than 2,000 character or entity references (&amp;…;) (the limit for a SAML response)'],
    ['doctype', 'contains a DTD (&lt;!DOCTYPE or &lt;!ENTITY), which SAML does not allow'],
  ])('answers XML_REJECTED to a %s response of 256 KiB, before looking for the sign-in it claims to answer', async (shape, problem) => {
    instance = await startTestApp(dialect);
    const res = await post(hostileXml(shape, MAX, answeringNothing));
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(reasonOf(res.body)).toBe('XML_REJECTED');
    expect(messageOf(res.body)).toBe(`The SAML response ${problem}.`);
  });

  it('answers XML_REJECTED to a wide unsolicited response from a connected IdP, before any signature work', async () => {
    instance = await startTestApp(dialect);
    const s = await ssoSetUp(instance.app);
    const res = await post(hostileXml('wide', MAX, fromConnectedIdp), `?saasid=${s.rest.saasid}`);
    expect(res.statusCode).toBe(400);
    expect(reasonOf(res.body)).toBe('XML_REJECTED');
  });

  it('routes a response within every limit (256 KiB of text, or exactly at the node, attribute and reference limits), and refuses one node more', async () => {
    instance = await startTestApp(dialect);
    for (const xml of [hostileXml('text', MAX, answeringNothing), xmlAtLimits(XML_LIMITS.samlResponse, MAX, insideRoot(answeringNothing))]) {
      const res = await post(xml);
      expect(res.statusCode).toBe(400);
      expect(reasonOf(res.body)).toBe('UNKNOWN_REQUEST');
    }
    const atLimits = xmlAtLimits(XML_LIMITS.samlResponse, MAX, insideRoot(answeringNothing));
    const oneNodeMore = await post(atLimits.replace('<e', '<e/><e').replace(`xxxx${answeringNothing.close}`, answeringNothing.close));
    expect(reasonOf(oneNodeMore.body)).toBe('XML_REJECTED');
  });

  it('answers MESSAGE_TOO_LARGE one byte over 256 KiB', async () => {
    instance = await startTestApp(dialect);
    const res = await post(hostileXml('text', MAX + 1, answeringNothing));
    expect(res.statusCode).toBe(400);
    expect(reasonOf(res.body)).toBe('MESSAGE_TOO_LARGE');
  });
});
