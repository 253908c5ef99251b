import { beforeAll, describe, expect, it } from 'vitest';
import { certificateBody, parseCertificate } from '../../src/saml/certificates.js';
import { parseSpMetadata, SpMetadataError } from '../../src/saml/sp-metadata-parse.js';
import { metadataFixture } from '../helpers/metadata-fixtures.js';
import { idpCertificatePem } from '../helpers/test-app.js';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const ARTIFACT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact';

let pem: string;
beforeAll(async () => {
  pem = await idpCertificatePem();
});

const key = (use: string | null) =>
  `<md:KeyDescriptor${use ? ` use="${use}"` : ''}><ds:KeyInfo xmlns:ds="${DS}"><ds:X509Data><ds:X509Certificate>${certificateBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;

function spMetadata(inner: string, entityId = 'https://analytics.example.com/saml'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="${MD}" entityID="${entityId}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    ${inner}
  </md:SPSSODescriptor>
  <md:Organization><md:OrganizationName xml:lang="en">Analytics Inc</md:OrganizationName><md:OrganizationDisplayName xml:lang="en">Analytics Org</md:OrganizationDisplayName><md:OrganizationURL xml:lang="en">https://analytics.example.com</md:OrganizationURL></md:Organization>
</md:EntityDescriptor>`;
}

const fullSp = () =>
  spMetadata(`${key('signing')}${key('encryption')}
    <md:SingleLogoutService Binding="${ARTIFACT}" Location="https://analytics.example.com/slo/artifact"/>
    <md:SingleLogoutService Binding="${REDIRECT}" Location="https://analytics.example.com/slo"/>
    <md:AssertionConsumerService Binding="${ARTIFACT}" Location="https://analytics.example.com/acs/artifact" index="0" isDefault="true"/>
    <md:AssertionConsumerService Binding="${POST}" Location="https://analytics.example.com/acs/other" index="2"/>
    <md:AssertionConsumerService Binding="${POST}" Location="https://analytics.example.com/acs" index="1"/>
    <md:AttributeConsumingService index="0" isDefault="true">
      <md:ServiceName xml:lang="en">Analytics</md:ServiceName>
      <md:RequestedAttribute Name="email" isRequired="true"/>
      <md:RequestedAttribute Name="department"/>
      <md:RequestedAttribute Name="urn:oid:2.5.4.42" FriendlyName="givenName" isRequired="false"/>
    </md:AttributeConsumingService>`);

describe('parseSpMetadata', () => {
  it('reads the entity ID, the HTTP-POST ACS, single logout, the encryption certificate and the requested attributes', () => {
    const parsed = parseSpMetadata(fullSp());
    expect(parsed).toEqual({
      entityId: 'https://analytics.example.com/saml',
      acsUrl: 'https://analytics.example.com/acs',
      slo: { url: 'https://analytics.example.com/slo', binding: 'redirect' },
      encryptionCertificate: parseCertificate(pem).pem,
      wantsEncryption: true,
      requiredAttributes: [
        { name: 'email', required: true },
        { name: 'department', required: false },
        { name: 'urn:oid:2.5.4.42', required: false },
      ],
      suggestedName: 'Analytics',
    });
  });

  it('prefers the HTTP-POST ACS marked isDefault over lower indexes', () => {
    const parsed = parseSpMetadata(
      spMetadata(`<md:AssertionConsumerService Binding="${POST}" Location="https://a.example.com/acs0" index="0"/>
      <md:AssertionConsumerService Binding="${POST}" Location="https://a.example.com/acs1" index="1" isDefault="true"/>`),
    );
    expect(parsed.acsUrl).toBe('https://a.example.com/acs1');
  });

  it('treats a KeyDescriptor without use as an encryption key too, without asking for encryption', () => {
    const parsed = parseSpMetadata(spMetadata(`${key(null)}<md:AssertionConsumerService Binding="${POST}" Location="https://a.example.com/acs" index="0"/>`));
    expect(parsed.encryptionCertificate).toBe(parseCertificate(pem).pem);
    expect(parsed.wantsEncryption).toBe(false);
    expect(parsed.suggestedName).toBe('Analytics Org');
  });

  it('has no encryption certificate when the SP publishes only a signing key', () => {
    const parsed = parseSpMetadata(spMetadata(`${key('signing')}<md:AssertionConsumerService Binding="${POST}" Location="https://a.example.com/acs" index="0"/>`));
    expect(parsed.encryptionCertificate).toBeUndefined();
    expect(parsed.slo).toBeUndefined();
    expect(parsed.requiredAttributes).toEqual([]);
  });

  it('finds the one SP in an EntitiesDescriptor', () => {
    const xml = `<md:EntitiesDescriptor xmlns:md="${MD}">
      <md:EntityDescriptor entityID="https://idp.example.com"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>
      <md:EntityDescriptor entityID="https://sp.example.com"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
        <md:AssertionConsumerService Binding="${POST}" Location="https://sp.example.com/acs" index="0"/>
      </md:SPSSODescriptor></md:EntityDescriptor>
    </md:EntitiesDescriptor>`;
    expect(parseSpMetadata(xml)).toMatchObject({ entityId: 'https://sp.example.com', acsUrl: 'https://sp.example.com/acs' });
  });

  it('reads the Shibboleth SP of a federation document that also lists an IdP', () => {
    const parsed = parseSpMetadata(metadataFixture('entities-idp-and-sp.xml'));
    expect(parsed).toMatchObject({
      entityId: 'https://portal.partner.example/shibboleth',
      acsUrl: 'https://portal.partner.example/Shibboleth.sso/SAML2/POST',
      slo: { url: 'https://portal.partner.example/Shibboleth.sso/SLO/Redirect', binding: 'redirect' },
      wantsEncryption: false,
      requiredAttributes: [],
      suggestedName: 'Partner Portal',
    });
    expect(parsed.encryptionCertificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it.each(['okta.xml', 'entra.xml', 'keycloak.xml'] as const)("refuses the IdP metadata %s as not an application's", (fixture) => {
    expect(() => parseSpMetadata(metadataFixture(fixture))).toThrow("This is an identity provider's metadata");
  });

  const refusals: [string, () => string, RegExp][] = [
    ['an SP without an HTTP-POST ACS', () => spMetadata(`<md:AssertionConsumerService Binding="${ARTIFACT}" Location="https://a.example.com/acs" index="0"/>`), /HTTP-POST/],
    ['IdP metadata', () => `<md:EntityDescriptor xmlns:md="${MD}" entityID="https://idp.example.com"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`, /identity provider's metadata/],
    [
      'two SPs',
      () =>
        `<md:EntitiesDescriptor xmlns:md="${MD}">${['a', 'b'].map((n) => `<md:EntityDescriptor entityID="https://${n}.example.com"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`).join('')}</md:EntitiesDescriptor>`,
      /2 service providers/,
    ],
    ['a missing entityID', () => spMetadata(`<md:AssertionConsumerService Binding="${POST}" Location="https://a.example.com/acs"/>`, ''), /no entityID/],
    ['a SAML 1.1 SP', () => spMetadata('').replace('urn:oasis:names:tc:SAML:2.0:protocol', 'urn:oasis:names:tc:SAML:1.1:protocol'), /does not support the SAML 2.0 protocol/],
    ['a DTD (XXE)', () => `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${spMetadata('&e;')}`, /DTD/],
    ['text that is not XML', () => 'not xml at all', /is not XML/],
    ['malformed XML', () => `<md:EntityDescriptor xmlns:md="${MD}" entityID="x"><md:SPSSODescriptor>`, /not well-formed XML/],
    [
      'a broken encryption certificate',
      () => spMetadata(`<md:KeyDescriptor use="encryption"><ds:KeyInfo xmlns:ds="${DS}"><ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:AssertionConsumerService Binding="${POST}" Location="https://a.example.com/acs"/>`),
      /encryption certificate in the metadata is not a valid X\.509 certificate/,
    ],
  ];
  it.each(refusals)('refuses %s with a clear reason', (_name, xml, reason) => {
    expect(() => parseSpMetadata(xml())).toThrow(SpMetadataError);
    expect(() => parseSpMetadata(xml())).toThrow(reason);
  });

  it('refuses metadata larger than 1 MiB', () => {
    const padding = `<!--${'x'.repeat(1024 * 1024)}-->`;
    expect(() => parseSpMetadata(`${padding}${fullSp().replace(/^<\?xml[^>]*\?>/, '')}`)).toThrow(/larger than 1024 KiB/);
  });
});
