import type { Element } from '@xmldom/xmldom';
import { CertificateParseError, parseCertificate, type CertificateInfo } from './certificates.js';
import { BINDINGS, childElements, descendantElements, NS, parseUntrustedXml, XmlRejectedError } from './xml.js';
import { XML_LIMITS } from './xml-limits.js';

/** What an IdP's SAML metadata tells us, reduced to what a customer connection needs. */
export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  ssoBinding: 'redirect' | 'post';
  /** Every signing certificate, in document order (IdPs publish the next key before rolling over). */
  certificates: CertificateInfo[];
  slo: { url: string; responseUrl: string | undefined; binding: 'redirect' | 'post' } | undefined;
}

export class MetadataError extends Error {}

export const MAX_METADATA_BYTES = XML_LIMITS.idpMetadata.maxBytes;

const bindingName = (uri: string | null): 'redirect' | 'post' | undefined =>
  uri === BINDINGS.redirect ? 'redirect' : uri === BINDINGS.post ? 'post' : undefined;

/** Parses one IdP's metadata (an EntityDescriptor, or an EntitiesDescriptor holding exactly one IdP). */
export function parseIdpMetadata(xml: string): IdpMetadata {
  let root: Element;
  try {
    root = parseUntrustedXml(xml, 'idpMetadata').documentElement!;
  } catch (error) {
    if (error instanceof XmlRejectedError) throw new MetadataError(`The metadata ${error.message}.`);
    throw error;
  }
  const entities =
    root.namespaceURI === NS.md && root.localName === 'EntityDescriptor'
      ? [root]
      : root.namespaceURI === NS.md && root.localName === 'EntitiesDescriptor'
        ? descendantElements(root, NS.md, 'EntityDescriptor').filter((e) => childElements(e, NS.md, 'IDPSSODescriptor').length > 0)
        : [];
  if (entities.length === 0) throw new MetadataError('The metadata has no SAML 2.0 identity provider (md:EntityDescriptor with an md:IDPSSODescriptor).');
  if (entities.length > 1) throw new MetadataError(`The metadata describes ${entities.length} identity providers; give the metadata of exactly one.`);
  const entity = entities[0]!;
  const entityId = entity.getAttribute('entityID') ?? '';
  if (!entityId) throw new MetadataError('The EntityDescriptor has no entityID.');
  const idp = childElements(entity, NS.md, 'IDPSSODescriptor')[0];
  if (!idp) throw new MetadataError('The metadata has no md:IDPSSODescriptor.');
  if (!(idp.getAttribute('protocolSupportEnumeration') ?? '').split(/\s+/).includes('urn:oasis:names:tc:SAML:2.0:protocol')) {
    throw new MetadataError('The IDPSSODescriptor does not support the SAML 2.0 protocol.');
  }

  // Prefer HTTP-Redirect for AuthnRequests (smaller, no auto-post page), else HTTP-POST.
  const sso = childElements(idp, NS.md, 'SingleSignOnService')
    .map((e) => ({ binding: bindingName(e.getAttribute('Binding')), url: e.getAttribute('Location') ?? '' }))
    .filter((s): s is { binding: 'redirect' | 'post'; url: string } => s.binding !== undefined && s.url !== '')
    .sort((a, b) => (a.binding === b.binding ? 0 : a.binding === 'redirect' ? -1 : 1))[0];
  if (!sso) throw new MetadataError('The IdP has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding.');

  const certificates: CertificateInfo[] = [];
  for (const key of childElements(idp, NS.md, 'KeyDescriptor')) {
    const use = key.getAttribute('use');
    if (use && use !== 'signing') continue;
    for (const certificate of descendantElements(key, NS.ds, 'X509Certificate')) {
      try {
        const parsed = parseCertificate(certificate.textContent ?? '');
        if (!certificates.some((c) => c.sha256Fingerprint === parsed.sha256Fingerprint)) certificates.push(parsed);
      } catch (error) {
        if (error instanceof CertificateParseError) throw new MetadataError(`A signing certificate in the metadata ${error.message}.`);
        throw error;
      }
    }
  }
  if (certificates.length === 0) throw new MetadataError('The IdP metadata has no signing certificate (KeyDescriptor use="signing").');

  const slo = childElements(idp, NS.md, 'SingleLogoutService')
    .map((e) => ({ binding: bindingName(e.getAttribute('Binding')), url: e.getAttribute('Location') ?? '', responseUrl: e.getAttribute('ResponseLocation') || undefined }))
    .filter((s): s is { binding: 'redirect' | 'post'; url: string; responseUrl: string | undefined } => s.binding !== undefined && s.url !== '')[0];

  return { entityId, ssoUrl: sso.url, ssoBinding: sso.binding, certificates, slo };
}
