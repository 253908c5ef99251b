import type { Element } from '@xmldom/xmldom';
import { CertificateParseError, parseCertificate } from './certificates.js';
import { BINDINGS, childElements, descendantElements, NS, parseUntrustedXml, XmlRejectedError } from './xml.js';

/** What a SAML application's (SP's) metadata tells us, reduced to the fields of a SAML app. */
export interface SpMetadata {
  entityId: string;
  /** The HTTP-POST AssertionConsumerService (we deliver assertions only with HTTP-POST). */
  acsUrl: string;
  slo: { url: string; binding: 'redirect' | 'post' } | undefined;
  /**
   * The SP's encryption certificate (normalized PEM): a KeyDescriptor use="encryption", else one
   * without `use` (saml-metadata-2.0-os §2.4.1.1: no `use` means signing and encryption).
   */
  encryptionCertificate: string | undefined;
  /** True when the certificate came from an explicit use="encryption" key: the SP asks for encryption. */
  wantsEncryption: boolean;
  /** From the default AttributeConsumingService (§2.4.4.1); isRequired defaults to false. */
  requiredAttributes: { name: string; required: boolean }[];
  /** ServiceName of that service, else the OrganizationDisplayName: a suggestion for the app name. */
  suggestedName: string | undefined;
}

export class SpMetadataError extends Error {}

const bindingName = (uri: string | null): 'redirect' | 'post' | undefined =>
  uri === BINDINGS.redirect ? 'redirect' : uri === BINDINGS.post ? 'post' : undefined;

const isTrue = (value: string | null) => value === 'true' || value === '1';

/** The indexed endpoint to use (§2.2.3): the first isDefault="true", else the lowest index, else the first. */
function defaultIndexed(elements: Element[]): Element | undefined {
  const explicit = elements.find((e) => isTrue(e.getAttribute('isDefault')));
  if (explicit) return explicit;
  const implicit = elements.filter((e) => e.getAttribute('isDefault') !== 'false');
  const pool = implicit.length > 0 ? implicit : elements;
  return [...pool].sort((a, b) => Number(a.getAttribute('index') ?? 0) - Number(b.getAttribute('index') ?? 0))[0];
}

/**
 * Parses one SP's metadata (an EntityDescriptor, or an EntitiesDescriptor holding exactly one
 * SP) with the strict XML parser: no DTDs, within the SP metadata limits of xml-limits.ts.
 */
export function parseSpMetadata(xml: string): SpMetadata {
  let root: Element;
  try {
    root = parseUntrustedXml(xml, 'spMetadata').documentElement!;
  } catch (error) {
    if (error instanceof XmlRejectedError) throw new SpMetadataError(`The metadata ${error.message}.`);
    throw error;
  }
  const all =
    root.namespaceURI === NS.md && root.localName === 'EntityDescriptor'
      ? [root]
      : root.namespaceURI === NS.md && root.localName === 'EntitiesDescriptor'
        ? descendantElements(root, NS.md, 'EntityDescriptor')
        : [];
  const entities = all.filter((e) => childElements(e, NS.md, 'SPSSODescriptor').length > 0);
  if (entities.length === 0) {
    throw new SpMetadataError(
      all.some((e) => childElements(e, NS.md, 'IDPSSODescriptor').length > 0)
        ? "This is an identity provider's metadata; give the application's (service provider's) metadata."
        : 'The metadata has no SAML 2.0 service provider (md:EntityDescriptor with an md:SPSSODescriptor).',
    );
  }
  if (entities.length > 1) throw new SpMetadataError(`The metadata describes ${entities.length} service providers; give the metadata of exactly one.`);
  const entity = entities[0]!;
  const entityId = (entity.getAttribute('entityID') ?? '').trim();
  if (!entityId) throw new SpMetadataError('The EntityDescriptor has no entityID.');
  const sp = childElements(entity, NS.md, 'SPSSODescriptor')[0]!;
  if (!(sp.getAttribute('protocolSupportEnumeration') ?? '').includes('urn:oasis:names:tc:SAML:2.0:protocol')) {
    throw new SpMetadataError('The SPSSODescriptor does not support the SAML 2.0 protocol.');
  }

  const acs = defaultIndexed(
    childElements(sp, NS.md, 'AssertionConsumerService').filter((e) => e.getAttribute('Binding') === BINDINGS.post && (e.getAttribute('Location') ?? '') !== ''),
  );
  if (!acs) throw new SpMetadataError('The SP has no AssertionConsumerService with the HTTP-POST binding, which is how assertions are delivered.');

  const slo = childElements(sp, NS.md, 'SingleLogoutService')
    .map((e) => ({ binding: bindingName(e.getAttribute('Binding')), url: e.getAttribute('Location') ?? '' }))
    .filter((s): s is { binding: 'redirect' | 'post'; url: string } => s.binding !== undefined && s.url !== '')[0];

  const keys = childElements(sp, NS.md, 'KeyDescriptor');
  const explicit = keys.find((k) => k.getAttribute('use') === 'encryption');
  const key = explicit ?? keys.find((k) => !k.getAttribute('use'));
  let encryptionCertificate: string | undefined;
  const certificateText = key && descendantElements(key, NS.ds, 'X509Certificate')[0]?.textContent;
  if (certificateText) {
    try {
      encryptionCertificate = parseCertificate(certificateText).pem;
    } catch (error) {
      if (error instanceof CertificateParseError) throw new SpMetadataError(`The encryption certificate in the metadata ${error.message}.`);
      throw error;
    }
  }

  const services = childElements(sp, NS.md, 'AttributeConsumingService');
  const service = defaultIndexed(services);
  const requiredAttributes: { name: string; required: boolean }[] = [];
  for (const requested of service ? childElements(service, NS.md, 'RequestedAttribute') : []) {
    const name = (requested.getAttribute('Name') ?? '').trim();
    if (name && !requiredAttributes.some((a) => a.name === name)) requiredAttributes.push({ name, required: isTrue(requested.getAttribute('isRequired')) });
  }

  const text = (e: Element | undefined) => e?.textContent?.trim() || undefined;
  const organization = childElements(entity, NS.md, 'Organization')[0];
  const suggestedName =
    text(service && childElements(service, NS.md, 'ServiceName')[0]) ?? text(organization && childElements(organization, NS.md, 'OrganizationDisplayName')[0]);

  return {
    entityId,
    acsUrl: acs.getAttribute('Location')!,
    slo,
    encryptionCertificate,
    wantsEncryption: explicit !== undefined && encryptionCertificate !== undefined,
    requiredAttributes,
    suggestedName,
  };
}
