import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_METADATA_BYTES, MetadataError, parseIdpMetadata, type IdpMetadata } from '../../src/saml/idp-metadata.js';
import { parseUntrustedXml, XmlRejectedError } from '../../src/saml/xml.js';
import { expectNoPasswd, fixtureCertificate, metadataFixture, pemOf, type MetadataFixture } from '../helpers/metadata-fixtures.js';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const SAML2 = 'urn:oasis:names:tc:SAML:2.0:protocol';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const SOAP = 'urn:oasis:names:tc:SAML:2.0:bindings:SOAP';
const ARTIFACT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact';

/** Runs the parser and returns the MetadataError it must throw (anything else fails the test). */
function refusal(xml: string): MetadataError {
  let thrown: unknown;
  let result: IdpMetadata | undefined;
  try {
    result = parseIdpMetadata(xml);
  } catch (error) {
    thrown = error;
  }
  expect(result, 'the metadata was accepted').toBeUndefined();
  expect(thrown, `expected a MetadataError, got ${String(thrown)}`).toBeInstanceOf(MetadataError);
  const error = thrown as MetadataError;
  expect(error.message.length).toBeLessThan(400);
  expectNoPasswd(error.message);
  return error;
}

const keyDescriptor = (certName: string, use?: 'signing' | 'encryption') =>
  `<md:KeyDescriptor${use ? ` use="${use}"` : ''}><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${fixtureCertificate(certName).der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;

const rawKeyDescriptor = (body: string, use = 'signing') =>
  `<md:KeyDescriptor use="${use}"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;

/** A minimal IdP EntityDescriptor (without XML declaration) with every part replaceable. */
function idpEntity(
  options: { entityId?: string | null; protocols?: string; keys?: string; sso?: string; slo?: string; extra?: string; xmlns?: boolean } = {},
): string {
  const entityId = options.entityId === undefined ? 'https://idp.hostile.example/saml' : options.entityId;
  return (
    `<md:EntityDescriptor${options.xmlns === false ? '' : ` xmlns:md="${MD}"`}${entityId === null ? '' : ` entityID="${entityId}"`}>` +
    `<md:IDPSSODescriptor protocolSupportEnumeration="${options.protocols ?? SAML2}">` +
    (options.keys ?? keyDescriptor('okta-signing', 'signing')) +
    (options.slo ?? '') +
    (options.sso ?? `<md:SingleSignOnService Binding="${REDIRECT}" Location="https://idp.hostile.example/sso"/>`) +
    `</md:IDPSSODescriptor>${options.extra ?? ''}</md:EntityDescriptor>`
  );
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

describe('parseIdpMetadata: metadata as real IdPs publish it', () => {
  interface Expected {
    entityId: string;
    ssoUrl: string;
    ssoBinding: 'redirect' | 'post';
    /** Fixture certificate names, in document order. */
    certificates: string[];
    subjects: string[];
    slo: IdpMetadata['slo'];
  }
  const cases: [MetadataFixture, Expected][] = [
    [
      'adfs.xml',
      {
        entityId: 'http://sts.contoso-example.com/adfs/services/trust',
        ssoUrl: 'https://sts.contoso-example.com/adfs/ls/',
        ssoBinding: 'redirect',
        certificates: ['adfs-signing', 'adfs-signing-next'],
        subjects: ['CN=ADFS Signing - sts.contoso-example.com', 'CN=ADFS Signing - sts.contoso-example.com'],
        slo: { url: 'https://sts.contoso-example.com/adfs/ls/', responseUrl: undefined, binding: 'redirect' },
      },
    ],
    [
      'okta.xml',
      {
        entityId: 'http://www.idp-vendor.example/exk9x2acme4sso7bridge',
        ssoUrl: 'https://acme.idp-vendor.example/app/acme_ssobridge_1/exk9x2acme4sso7bridge/sso/saml',
        ssoBinding: 'redirect',
        certificates: ['okta-signing'],
        subjects: ['emailAddress=info@idp-vendor.example, CN=acme, OU=SSOProvider, O=IdP Vendor Example, L=San Francisco, ST=California, C=US'],
        slo: undefined,
      },
    ],
    [
      'shibboleth.xml',
      {
        entityId: 'https://idp.university.example/idp/shibboleth',
        ssoUrl: 'https://idp.university.example/idp/profile/SAML2/Redirect/SSO',
        ssoBinding: 'redirect',
        certificates: ['shibboleth-signing'],
        subjects: ['CN=idp.university.example'],
        slo: { url: 'https://idp.university.example/idp/profile/SAML2/Redirect/SLO', responseUrl: undefined, binding: 'redirect' },
      },
    ],
    [
      'entities-idp-and-sp.xml',
      {
        entityId: 'https://idp.partner.example/idp/shibboleth',
        ssoUrl: 'https://idp.partner.example/idp/profile/SAML2/Redirect/SSO',
        ssoBinding: 'redirect',
        certificates: ['partner-idp'],
        subjects: ['CN=idp.partner.example'],
        slo: undefined,
      },
    ],
    [
      'entra.xml',
      {
        entityId: 'https://sts.entra-like.example/3f6c1a2b-7d4e-4f5a-9b8c-0e1d2c3b4a59/',
        ssoUrl: 'https://login.entra-like.example/3f6c1a2b-7d4e-4f5a-9b8c-0e1d2c3b4a59/saml2',
        ssoBinding: 'redirect',
        certificates: ['entra-signing'],
        subjects: ['CN=Entra-like Federated SSO Certificate'],
        slo: { url: 'https://login.entra-like.example/3f6c1a2b-7d4e-4f5a-9b8c-0e1d2c3b4a59/saml2', responseUrl: undefined, binding: 'redirect' },
      },
    ],
    [
      'post-only.xml',
      {
        entityId: 'https://sso.smallvendor.example/saml2/idp/metadata.php',
        ssoUrl: 'https://sso.smallvendor.example/saml2/idp/SSOService.php',
        ssoBinding: 'post',
        certificates: ['post-only-signing'],
        subjects: ['CN=sso.smallvendor.example, O=Small Vendor, C=US'],
        slo: {
          url: 'https://sso.smallvendor.example/saml2/idp/SingleLogoutService.php',
          responseUrl: 'https://sso.smallvendor.example/saml2/idp/SingleLogoutResponse.php',
          binding: 'post',
        },
      },
    ],
    [
      'keycloak.xml',
      {
        entityId: 'https://auth.widgets.example/realms/customers',
        ssoUrl: 'https://auth.widgets.example/realms/customers/protocol/saml',
        ssoBinding: 'redirect',
        certificates: ['keycloak-signing'],
        subjects: ['CN=customers'],
        slo: { url: 'https://auth.widgets.example/realms/customers/protocol/saml', responseUrl: undefined, binding: 'post' },
      },
    ],
  ];

  it.each(cases)('%s: entity ID, SSO endpoint and binding, every signing certificate, SLO', (file, expected) => {
    const metadata = parseIdpMetadata(metadataFixture(file));
    expect(metadata.entityId).toBe(expected.entityId);
    expect(metadata.ssoUrl).toBe(expected.ssoUrl);
    expect(metadata.ssoBinding).toBe(expected.ssoBinding);
    expect(metadata.slo).toEqual(expected.slo);

    expect(metadata.certificates).toHaveLength(expected.certificates.length);
    expect(metadata.certificates.map((c) => c.subject)).toEqual(expected.subjects);
    metadata.certificates.forEach((certificate, i) => {
      const want = fixtureCertificate(expected.certificates[i]!);
      expect(certificate.sha256Fingerprint).toBe(want.sha256Fingerprint);
      expect(certificate.pem).toBe(pemOf(want.der));
      expect(certificate.issuer).toBe(expected.subjects[i]); // all self-signed
      expect(certificate.notBefore).toBe(want.notBefore);
      expect(certificate.notAfter).toBe(want.notAfter);
    });
  });

  it('ADFS: keeps both rollover signing certificates, leaves out the encryption one, and adds nothing from the WS-Fed or SP descriptors', () => {
    const metadata = parseIdpMetadata(metadataFixture('adfs.xml'));
    const fingerprints = metadata.certificates.map((c) => c.sha256Fingerprint);
    expect(fingerprints).toEqual([fixtureCertificate('adfs-signing').sha256Fingerprint, fixtureCertificate('adfs-signing-next').sha256Fingerprint]);
    expect(fingerprints).not.toContain(fixtureCertificate('adfs-encryption').sha256Fingerprint);
    expect(metadata.certificates.map((c) => c.subject)).not.toContain('CN=ADFS Encryption - sts.contoso-example.com');
    expect(metadata.certificates[0]!.notAfter).not.toBe(metadata.certificates[1]!.notAfter);
  });

  it('Shibboleth: takes the KeyDescriptor without use, not the encryption key nor the AttributeAuthority back-channel key', () => {
    const fingerprints = parseIdpMetadata(metadataFixture('shibboleth.xml')).certificates.map((c) => c.sha256Fingerprint);
    expect(fingerprints).toEqual([fixtureCertificate('shibboleth-signing').sha256Fingerprint]);
    expect(fingerprints).not.toContain(fixtureCertificate('shibboleth-encryption').sha256Fingerprint);
    expect(fingerprints).not.toContain(fixtureCertificate('shibboleth-backchannel').sha256Fingerprint);
  });

  it('Shibboleth: ignores an endpoint that is commented out', () => {
    const xml = metadataFixture('shibboleth.xml');
    expect(xml).toContain('Redirect/SLO-disabled');
    expect(parseIdpMetadata(xml).slo?.url).not.toContain('SLO-disabled');
  });

  it('EntitiesDescriptor: uses the one IdP and nothing of the SP listed before it', () => {
    const metadata = parseIdpMetadata(metadataFixture('entities-idp-and-sp.xml'));
    expect(metadata.entityId).not.toContain('portal.partner.example');
    expect(metadata.certificates.map((c) => c.sha256Fingerprint)).not.toContain(fixtureCertificate('partner-sp').sha256Fingerprint);
    expect(metadata.slo).toBeUndefined(); // the SP's SingleLogoutService is not the IdP's
  });

  it('Entra: the fixture carries a genuine enveloped signature (a realistic document)', () => {
    const xml = metadataFixture('entra.xml');
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const signature = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0]!;
    expect(signature.parentNode).toBe(doc.documentElement);
    const verifier = new SignedXml({ publicCert: pemOf(fixtureCertificate('entra-signing').der) });
    verifier.loadSignature(signature.toString());
    expect(verifier.checkSignature(xml)).toBe(true);
  });

  it("Entra: a certificate in the metadata's own ds:Signature is never taken as a signing certificate", () => {
    const xml = metadataFixture('entra.xml');
    const entraDer = fixtureCertificate('entra-signing').der;
    const foreignDer = fixtureCertificate('partner-sp').der;
    // Put a different certificate in the Signature's KeyInfo (the first occurrence in the document).
    const index = xml.indexOf(`<X509Certificate>${entraDer}</X509Certificate>`);
    expect(index).toBeLessThan(xml.indexOf('<RoleDescriptor'));
    const tampered = xml.slice(0, index) + xml.slice(index).replace(entraDer, foreignDer);
    const fingerprints = parseIdpMetadata(tampered).certificates.map((c) => c.sha256Fingerprint);
    expect(fingerprints).toEqual([fixtureCertificate('entra-signing').sha256Fingerprint]);
  });

  it('POST-only: a certificate published for both signing and encryption counts once, as a signing certificate', () => {
    const metadata = parseIdpMetadata(metadataFixture('post-only.xml'));
    expect(metadata.certificates).toHaveLength(1);
    expect(metadata.ssoBinding).toBe('post');
  });

  it('a signing certificate repeated in two KeyDescriptors is reported once', () => {
    const xml = idpEntity({ keys: keyDescriptor('okta-signing', 'signing') + keyDescriptor('okta-signing', 'signing') + keyDescriptor('partner-idp') });
    expect(parseIdpMetadata(xml).certificates.map((c) => c.sha256Fingerprint)).toEqual([
      fixtureCertificate('okta-signing').sha256Fingerprint,
      fixtureCertificate('partner-idp').sha256Fingerprint,
    ]);
  });

  it('prefers HTTP-Redirect wherever it is listed, else HTTP-POST; ignores other bindings', () => {
    const sso = (...bindings: [string, string][]) => bindings.map(([b, l]) => `<md:SingleSignOnService Binding="${b}" Location="${l}"/>`).join('');
    const post = parseIdpMetadata(idpEntity({ sso: sso([ARTIFACT, 'https://a/'], [POST, 'https://p/'], [SOAP, 'https://s/']) }));
    expect([post.ssoBinding, post.ssoUrl]).toEqual(['post', 'https://p/']);
    const redirect = parseIdpMetadata(idpEntity({ sso: sso([POST, 'https://p/'], [SOAP, 'https://s/'], [REDIRECT, 'https://r/']) }));
    expect([redirect.ssoBinding, redirect.ssoUrl]).toEqual(['redirect', 'https://r/']);
  });

  it('accepts a document that starts with a UTF-8 byte order mark, as some IdPs serve it', () => {
    // Bug check: xmldom does not skip U+FEFF, so a BOM must be dropped before parsing.
    const metadata = parseIdpMetadata(`\uFEFF${metadataFixture('okta.xml')}`);
    expect(metadata.entityId).toBe('http://www.idp-vendor.example/exk9x2acme4sso7bridge');
  });

  it('accepts comments and processing instructions before the root element', () => {
    const xml = `${XML_DECL}<!-- exported 2026-11-01 -->\n<?xml-stylesheet type="text/xsl" href="metadata.xsl"?>\n${idpEntity()}`;
    expect(parseIdpMetadata(xml).entityId).toBe('https://idp.hostile.example/saml');
  });
});

describe('parseIdpMetadata: hostile and invalid input is refused with a message naming the problem', () => {
  // A local server that would see any attempt to fetch an external DTD or entity.
  let server: http.Server;
  let hits = 0;
  let base = '';
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits++;
      res.end('<!ENTITY leak "LEAKED-VIA-DTD">');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    expect(hits, 'the parser fetched something while parsing').toBe(0);
  });

  describe('DTDs and entities (XXE, entity expansion)', () => {
    it('refuses an external entity reading /etc/passwd (XXE), and no passwd content appears', () => {
      const xml = `${XML_DECL}<!DOCTYPE md:EntityDescriptor [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n${idpEntity({ entityId: '&xxe;' })}`;
      const error = refusal(xml);
      expect(error.message).toMatch(/DTD|DOCTYPE/);
      expect(error.message).not.toContain('LEAKED');
    });

    it('refuses an external entity in element content and in an attribute', () => {
      for (const body of [`<md:Organization xmlns:md="${MD}">&xxe;</md:Organization>`, '']) {
        const xml = `<!DOCTYPE x [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>${idpEntity({ extra: body, entityId: body ? undefined : '&xxe;' })}`;
        expect(refusal(xml).message).toMatch(/DTD|DOCTYPE/);
      }
    });

    it('refuses an external DTD without fetching it', () => {
      const xml = `${XML_DECL}<!DOCTYPE md:EntityDescriptor SYSTEM "${base}/evil.dtd">\n${idpEntity()}`;
      expect(refusal(xml).message).toMatch(/DTD|DOCTYPE/);
    });

    it('refuses billion laughs', () => {
      const lols = ['<!ENTITY lol0 "lol">'];
      for (let i = 1; i <= 9; i++) lols.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
      const xml = `${XML_DECL}<!DOCTYPE lolz [\n${lols.join('\n')}\n]>\n${idpEntity({ entityId: '&lol9;' })}`;
      expect(refusal(xml).message).toMatch(/DTD|DOCTYPE|ENTITY/);
    });

    it('refuses parameter entities (out-of-band XXE)', () => {
      const xml =
        `${XML_DECL}<!DOCTYPE md:EntityDescriptor [\n` +
        `  <!ENTITY % file SYSTEM "file:///etc/passwd">\n` +
        `  <!ENTITY % dtd SYSTEM "${base}/oob.dtd">\n` +
        `  %dtd; %send;\n]>\n${idpEntity()}`;
      expect(refusal(xml).message).toMatch(/DTD|DOCTYPE|ENTITY/);
    });

    it.each([
      ['a bare DOCTYPE', `<!DOCTYPE md:EntityDescriptor>${idpEntity()}`],
      ['a lower-case doctype after a comment', `<!-- x --><!doctype md:EntityDescriptor [<!ENTITY a "b">]>${idpEntity({ entityId: '&a;' })}`],
      ['an internal subset with only ATTLIST', `<!DOCTYPE md:EntityDescriptor [<!ATTLIST md:EntityDescriptor ID ID #IMPLIED>]>${idpEntity()}`],
    ])('refuses %s', (_name, xml) => {
      expect(refusal(xml).message).toMatch(/DTD|DOCTYPE/);
    });

    it('refuses a reference to an undeclared entity as malformed XML', () => {
      expect(refusal(idpEntity({ entityId: '&xxe;' })).message).toMatch(/well-formed|entity/i);
    });
  });

  describe('size', () => {
    it('refuses a 2 MB document, naming the size limit', () => {
      const xml = idpEntity({ extra: `<!-- ${'x'.repeat(2 * 1024 * 1024)} -->` });
      expect(refusal(xml).message).toMatch(/larger than 1024 KiB/);
    });

    it('counts bytes, not characters', () => {
      const chars = Math.ceil(MAX_METADATA_BYTES / 3) + 10;
      const xml = idpEntity({ extra: `<!-- ${'€'.repeat(chars)} -->` });
      expect(xml.length).toBeLessThan(MAX_METADATA_BYTES);
      expect(refusal(xml).message).toMatch(/larger than 1024 KiB/);
    });
  });

  describe('not XML, or not well-formed', () => {
    it.each([
      ['empty', ''],
      ['only whitespace', '  \n\t '],
      ['JSON', JSON.stringify({ entityId: 'https://idp.example.com', ssoUrl: 'https://idp.example.com/sso' })],
      ['plain text', 'metadata'],
      ['binary', '\u0000\u0001\u0002PK\u0003\u0004'],
    ])('refuses %s as not XML', (_name, input) => {
      expect(refusal(input).message).toMatch(/not XML/);
    });

    it('refuses an HTML page with a doctype (a login page served instead of metadata)', () => {
      const html = '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head><body><form method="post"><input name="user"><br></form></body></html>';
      expect(refusal(html).message).toMatch(/DTD|DOCTYPE|not XML/);
    });

    it('refuses an HTML page without a doctype as malformed XML', () => {
      const html = '<html><head><title>Sign in</title></head><body><p>Please sign in<br><input name="user"></body></html>';
      expect(refusal(html).message).toMatch(/not well-formed XML|not XML/);
    });

    it('refuses well-formed XHTML as not being IdP metadata', () => {
      const xhtml = '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Sign in</title></head><body><p>Please sign in</p></body></html>';
      expect(refusal(xhtml).message).toMatch(/no SAML 2\.0 identity provider/);
    });

    it.each([
      ['cut in the middle of a tag', (x: string) => x.slice(0, Math.floor(x.length / 2))],
      ['missing its closing tags', (x: string) => x.slice(0, x.indexOf('</md:IDPSSODescriptor>'))],
      ['cut inside an attribute', (x: string) => x.slice(0, x.indexOf('entityID="') + 20)],
      ['cut inside the certificate', (x: string) => x.slice(0, x.indexOf('<ds:X509Certificate>') + 100)],
    ])('refuses a truncated document (%s) as not well-formed', (_name, cut) => {
      const error = refusal(cut(metadataFixture('okta.xml')));
      expect(error.message).toMatch(/not well-formed XML/);
    });

    it.each([
      ['two root elements', `${idpEntity()}${idpEntity()}`],
      ['text after the root', `${idpEntity()} trailing`],
      ['mismatched tags', idpEntity().replace('</md:IDPSSODescriptor>', '</md:SPSSODescriptor>')],
      ['an unbound prefix', idpEntity({ xmlns: false })],
      ['a duplicated attribute', idpEntity().replace('<md:IDPSSODescriptor ', '<md:IDPSSODescriptor a="1" a="2" ')],
    ])('refuses %s as not well-formed', (_name, xml) => {
      expect(refusal(xml).message).toMatch(/not well-formed XML/);
    });
  });

  describe('metadata that is XML but not one usable SAML 2.0 IdP', () => {
    it('refuses an EntitiesDescriptor with two IdPs, saying how many it found', () => {
      const xml = `<md:EntitiesDescriptor xmlns:md="${MD}">${idpEntity({ entityId: 'https://idp-one.example' })}${idpEntity({ entityId: 'https://idp-two.example' })}</md:EntitiesDescriptor>`;
      expect(refusal(xml).message).toMatch(/2 identity providers.*exactly one/);
    });

    it('refuses an EntitiesDescriptor with two IdPs in nested groups', () => {
      const xml = `<md:EntitiesDescriptor xmlns:md="${MD}"><md:EntitiesDescriptor>${idpEntity({ entityId: 'https://a.example' })}</md:EntitiesDescriptor><md:EntitiesDescriptor>${idpEntity({ entityId: 'https://b.example' })}</md:EntitiesDescriptor></md:EntitiesDescriptor>`;
      expect(refusal(xml).message).toMatch(/2 identity providers/);
    });

    it('refuses SP-only metadata', () => {
      const sp =
        `<md:EntityDescriptor xmlns:md="${MD}" entityID="https://sp.example.com"><md:SPSSODescriptor protocolSupportEnumeration="${SAML2}">` +
        keyDescriptor('partner-sp', 'signing') +
        `<md:AssertionConsumerService Binding="${POST}" Location="https://sp.example.com/acs" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>`;
      expect(refusal(sp).message).toMatch(/no (SAML 2\.0 identity provider|md:IDPSSODescriptor)/);
    });

    it('refuses an EntitiesDescriptor that holds only SPs', () => {
      const xml = metadataFixture('entities-idp-and-sp.xml').replace(/<md:EntityDescriptor entityID="https:\/\/idp\.partner\.example[\s\S]*?<\/md:EntityDescriptor>/, '');
      expect(xml).not.toContain('IDPSSODescriptor');
      expect(refusal(xml).message).toMatch(/no SAML 2\.0 identity provider/);
    });

    it('refuses metadata-looking XML in the wrong namespace', () => {
      const xml = idpEntity().replace(`xmlns:md="${MD}"`, 'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata-not"');
      expect(refusal(xml).message).toMatch(/no SAML 2\.0 identity provider/);
    });

    it('refuses an EntityDescriptor without entityID', () => {
      expect(refusal(idpEntity({ entityId: null })).message).toMatch(/entityID/);
      expect(refusal(idpEntity({ entityId: '' })).message).toMatch(/entityID/);
    });

    it('refuses an IdP with no signing certificate (only an encryption key)', () => {
      expect(refusal(idpEntity({ keys: keyDescriptor('okta-signing', 'encryption') })).message).toMatch(/no signing certificate/);
    });

    it('refuses an IdP with no KeyDescriptor at all, or one holding only a KeyName', () => {
      expect(refusal(idpEntity({ keys: '' })).message).toMatch(/no signing certificate/);
      const keyName = '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:KeyName>signing-2026</ds:KeyName></ds:KeyInfo></md:KeyDescriptor>';
      expect(refusal(idpEntity({ keys: keyName })).message).toMatch(/no signing certificate/);
    });

    it('refuses a signing certificate that is not base64', () => {
      const error = refusal(idpEntity({ keys: rawKeyDescriptor('MIIC!!not*base64@@') }));
      expect(error.message).toMatch(/signing certificate/);
      expect(error.message).toMatch(/base64|PEM/);
    });

    it('refuses a signing certificate that is base64 but not a certificate', () => {
      const error = refusal(idpEntity({ keys: rawKeyDescriptor(Buffer.from('this is not a DER encoded certificate!').toString('base64')) }));
      expect(error.message).toMatch(/signing certificate.*not a valid X\.509 certificate/);
    });

    it('refuses a truncated certificate even when a valid one is also present', () => {
      const truncated = fixtureCertificate('partner-idp').der.slice(0, 400);
      const error = refusal(idpEntity({ keys: keyDescriptor('okta-signing', 'signing') + rawKeyDescriptor(truncated) }));
      expect(error.message).toMatch(/signing certificate/);
    });

    it.each([
      ['SAML 1.1 and Shibboleth 1.0 only', 'urn:oasis:names:tc:SAML:1.1:protocol urn:mace:shibboleth:1.0'],
      ['WS-Federation only', 'http://docs.oasis-open.org/wsfed/federation/200706'],
      ['empty', ''],
      // protocolSupportEnumeration is a whitespace-separated list of URIs: a longer URI that merely
      // starts with the SAML 2.0 one is a different protocol.
      ['a look-alike URI', 'urn:oasis:names:tc:SAML:2.0:protocol-draft urn:oasis:names:tc:SAML:1.1:protocol'],
    ])('refuses an IdP whose protocolSupportEnumeration is %s', (_name, protocols) => {
      expect(refusal(idpEntity({ protocols })).message).toMatch(/SAML 2\.0/);
    });

    it.each([
      ['SOAP only', `<md:SingleSignOnService Binding="${SOAP}" Location="https://idp.hostile.example/soap"/>`],
      ['Artifact only', `<md:SingleSignOnService Binding="${ARTIFACT}" Location="https://idp.hostile.example/artifact"/>`],
      ['SOAP and Artifact', `<md:SingleSignOnService Binding="${SOAP}" Location="https://idp.hostile.example/soap"/><md:SingleSignOnService Binding="${ARTIFACT}" Location="https://idp.hostile.example/a"/>`],
      ['a Redirect service without Location', `<md:SingleSignOnService Binding="${REDIRECT}"/>`],
      ['none at all', ''],
    ])('refuses an IdP whose SingleSignOnService is %s', (_name, sso) => {
      expect(refusal(idpEntity({ sso })).message).toMatch(/SingleSignOnService.*HTTP-Redirect or HTTP-POST/);
    });
  });
});

describe('parseUntrustedXml', () => {
  it.each([
    ['unclosed tags', '<a><b></b>'],
    ['an undeclared entity', '<a>&xxe;</a>'],
    ['trailing content', '<a/>junk'],
    ['two roots', '<a/><b/>'],
  ])('throws XmlRejectedError (not a parser-internal error) for %s', (_name, xml) => {
    expect(() => parseUntrustedXml(xml, 'idpMetadata')).toThrow(XmlRejectedError);
    expect(() => parseUntrustedXml(xml, 'idpMetadata')).toThrow(/^is not well-formed XML \(/);
  });

  it('throws XmlRejectedError for a DTD and for an oversized document', () => {
    expect(() => parseUntrustedXml('<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>', 'idpMetadata')).toThrow(XmlRejectedError);
    expect(() => parseUntrustedXml(`<a>${'x'.repeat(256 * 1024)}</a>`, 'samlResponse')).toThrow(/larger than 256 KiB/);
  });

  it('parses a well-formed document', () => {
    expect(parseUntrustedXml('<?xml version="1.0"?><a xmlns="urn:x"><b/></a>', 'idpMetadata').documentElement?.localName).toBe('a');
  });
});
