import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { autoPostForm, CUSTOMER_SSO, idpResponse, ssoSetUp } from '../helpers/sso-fixture.js';
import { startTestApp, type TestInstance } from '../helpers/test-app.js';
import { opensslKeyPair, requireTool, signedElements, tempDir, type KeyPairFiles } from './peers.js';

/**
 * Every signature ssobridge produces, checked by tools that share no code with it: xmlsec1
 * (libxmlsec1) for the XML signatures (POST-binding AuthnRequest; Response and Assertion sent
 * to SAML apps, each signature on its own), openssl for the HTTP-Redirect binding signature.
 * The key is pinned (--pubkey-cert-pem, KeyInfo certificates disabled) to the certificate a
 * peer would configure; a stranger's certificate and an altered message are the controls.
 */

const PUBLIC_URL = 'http://localhost:8080';
const ACS = `${PUBLIC_URL}/sso/sp/ACS.saml2`;
const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DS = 'http://www.w3.org/2000/09/xmldsig#';

let workDir: { dir: string; remove(): void };
let stranger: KeyPairFiles;
let fileCount = 0;

beforeAll(() => {
  requireTool('xmlsec1');
  requireTool('openssl');
  workDir = tempDir('ssobridge-xmlsec1-');
  stranger = opensslKeyPair(workDir.dir, 'stranger', 'not-ssobridge.example.net');
});
afterAll(async () => {
  workDir?.remove();
  await dropTestDatabases();
});

function writeFile(name: string, content: string | Buffer): string {
  const file = path.join(workDir.dir, `${++fileCount}-${name}`);
  fs.writeFileSync(file, content);
  return file;
}

/**
 * xmlsec1 --verify of the one signature that is a child of the root, or of the root's child
 * element `childLocalName`; ID attributes declared for the SAML elements that carry them.
 */
function xmlsec1Verify(xml: string, certificatePem: string, rootLocalName: string, childLocalName?: string): { ok: boolean; output: string } {
  const signatureXpath = `/*[local-name()='${rootLocalName}']${childLocalName ? `/*[local-name()='${childLocalName}']` : ''}/*[local-name()='Signature' and namespace-uri()='${DS}']`;
  const result = spawnSync(
    'xmlsec1',
    [
      '--verify',
      '--enabled-key-data',
      'rsa', // the pinned key only: certificates in the message's KeyInfo are not used
      '--pubkey-cert-pem',
      writeFile('cert.pem', certificatePem),
      '--id-attr:ID',
      `${SAMLP}:Response`,
      '--id-attr:ID',
      `${SAML}:Assertion`,
      '--id-attr:ID',
      `${SAMLP}:AuthnRequest`,
      '--node-xpath',
      signatureXpath,
      writeFile('message.xml', xml),
    ],
    { encoding: 'utf8' },
  );
  const output = `${result.stdout}${result.stderr}`;
  return { ok: result.status === 0 && /^OK$/m.test(output) && /SignedInfo References \(ok\/all\): 1\/1/.test(output), output };
}

/** The Reference URI of the signature that is a direct child of `element`. */
function referenceOf(element: Element): string | null {
  const signature = Array.from(element.childNodes).find((n): n is Element => n.nodeType === 1 && (n as Element).namespaceURI === DS && (n as Element).localName === 'Signature');
  const reference = signature?.getElementsByTagNameNS(DS, 'Reference')[0];
  return reference?.getAttribute('URI') ?? null;
}

/** A certificate as a peer would paste it from our SP metadata. */
function certificateFromMetadata(metadataXml: string): string {
  const body = /<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/.exec(metadataXml)![1]!;
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

describe.each(testDialects)('xmlsec1 and openssl verify our signatures (%s)', (dialect) => {
  let instance: TestInstance;
  let app: App;
  let s: Awaited<ReturnType<typeof ssoSetUp>>;

  beforeAll(async () => {
    instance = await startTestApp(dialect, { env: { PUBLIC_URL } });
    app = instance.app;
    // customer001.com asks for the POST binding; redirect.customer001.com for the Redirect binding.
    s = await ssoSetUp(app, { ssoBinding: 'post' });
    await app.services.customers.putCustomer(s.actor, 'redirect.customer001.com', {
      entityId: 'https://idp.redirect.customer001.com/saml',
      ssoUrl: 'https://idp.redirect.customer001.com/sso',
      ssoBinding: 'redirect',
      certificates: [s.idpKey.certificatePem],
      applications: [s.rest.saasid],
      multiplexed: true,
    });
  });
  afterAll(async () => instance?.close());

  /** Our signing certificate as the customer's IdP admin gets it: from our SP metadata. */
  const spMetadataCertificate = async (idpId: string) => {
    const [configuration] = await app.services.customers.idpConfiguration(s.accountId, idpId);
    return certificateFromMetadata(configuration!.metadataXml);
  };

  it('the POST-binding AuthnRequest: xmlsec1 verifies its enveloped signature with the certificate from our SP metadata', async () => {
    const res = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com&forceauthn=true` });
    expect(res.statusCode, res.body).toBe(200);
    const form = autoPostForm(res.body);
    expect(form.action).toBe(CUSTOMER_SSO);
    const xml = Buffer.from(form.fields.SAMLRequest!, 'base64').toString('utf8');
    const request = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
    expect(request.localName).toBe('AuthnRequest');
    expect(signedElements(xml)).toEqual(['AuthnRequest']);
    expect(referenceOf(request)).toBe(`#${request.getAttribute('ID')}`);

    const certificate = await spMetadataCertificate('customer001.com');
    const verified = xmlsec1Verify(xml, certificate, 'AuthnRequest');
    expect(verified.ok, verified.output).toBe(true);
    // Controls: another key, and a changed request.
    expect(xmlsec1Verify(xml, stranger.certPem, 'AuthnRequest').ok).toBe(false);
    expect(xmlsec1Verify(xml.replace('ForceAuthn="true"', 'ForceAuthn="false"'), certificate, 'AuthnRequest').ok).toBe(false);
  });

  it('the Response and the Assertion we post to a SAML app: xmlsec1 verifies each signature with our published certificate', async () => {
    const samlResponse = idpResponse(s.idpKey, { destination: ACS, audience: `${PUBLIC_URL}/saml/sp/${s.accountId}`, inResponseTo: null, now: instance.clock.now() });
    const res = await app.inject({
      method: 'POST',
      url: `/sso/sp/ACS.saml2?saasid=${s.saml.saasid}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ SAMLResponse: samlResponse }).toString(),
    });
    expect(res.statusCode, res.body).toBe(200);
    const xml = Buffer.from(autoPostForm(res.body).fields.SAMLResponse!, 'base64').toString('utf8');
    const response = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
    const assertion = response.getElementsByTagNameNS(SAML, 'Assertion')[0]!;
    expect(signedElements(xml)).toEqual(['Response', 'Assertion']);
    // Each signature covers the element that contains it.
    expect(referenceOf(response)).toBe(`#${response.getAttribute('ID')}`);
    expect(referenceOf(assertion)).toBe(`#${assertion.getAttribute('ID')}`);

    const [published] = await app.services.signingKeys.publishedCertificates(s.accountId);
    const responseSignature = xmlsec1Verify(xml, published!.pem, 'Response');
    expect(responseSignature.ok, responseSignature.output).toBe(true);
    const assertionSignature = xmlsec1Verify(xml, published!.pem, 'Response', 'Assertion');
    expect(assertionSignature.ok, assertionSignature.output).toBe(true);

    // Controls: another key fails both; a changed NameID breaks both (the Response signature covers the assertion).
    expect(xmlsec1Verify(xml, stranger.certPem, 'Response').ok).toBe(false);
    expect(xmlsec1Verify(xml, stranger.certPem, 'Response', 'Assertion').ok).toBe(false);
    const forged = xml.replace('>alice@customer001.com</saml:NameID>', '>mallory@customer001.com</saml:NameID>');
    expect(forged).not.toBe(xml);
    expect(xmlsec1Verify(forged, published!.pem, 'Response').ok).toBe(false);
    expect(xmlsec1Verify(forged, published!.pem, 'Response', 'Assertion').ok).toBe(false);
  });

  it('the HTTP-Redirect binding: openssl verifies the RSA-SHA256 signature over SAMLRequest&RelayState&SigAlg', async () => {
    const res = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=redirect.customer001.com` });
    expect(res.statusCode, res.body).toBe(302);
    const location = new URL(res.headers.location as string);
    expect(location.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    // SAML bindings §3.4.4.1: the signed octets are the URL-encoded parameters as sent, in this order.
    const query = location.search.slice(1);
    const parameters = query.split('&');
    expect(parameters.map((p) => p.split('=')[0])).toEqual(['SAMLRequest', 'RelayState', 'SigAlg', 'Signature']);
    const signedOctets = parameters.slice(0, 3).join('&');
    const signature = Buffer.from(location.searchParams.get('Signature')!, 'base64');

    const opensslVerify = (octets: string, certificatePem: string) => {
      const publicKey = writeFile('public.pem', execFileSync('openssl', ['x509', '-pubkey', '-noout', '-in', writeFile('cert.pem', certificatePem)]));
      const result = spawnSync('openssl', ['dgst', '-sha256', '-verify', publicKey, '-signature', writeFile('signature.bin', signature), writeFile('octets.txt', octets)], { encoding: 'utf8' });
      return { ok: result.status === 0 && result.stdout.trim() === 'Verified OK', output: `${result.stdout}${result.stderr}` };
    };
    const certificate = await spMetadataCertificate('redirect.customer001.com');
    const verified = opensslVerify(signedOctets, certificate);
    expect(verified.ok, verified.output).toBe(true);
    expect(opensslVerify(signedOctets, stranger.certPem).ok).toBe(false);
    expect(opensslVerify(signedOctets.replace(/RelayState=[^&]+/, 'RelayState=_forged'), certificate).ok).toBe(false);
  });
});
