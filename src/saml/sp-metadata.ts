import { certificateBody } from './certificates.js';
import { BINDINGS, escapeXml, NS } from './xml.js';

export interface SpMetadataInput {
  entityId: string;
  acsUrl: string;
  /** Active key first, then the renewal key: IdPs accept either while we roll over. */
  signingCertificatesPem: string[];
  requiredAttributes: { name: string; required: boolean }[];
  serviceName: string;
}

/** SAML 2.0 SP metadata (saml-metadata-2.0-os §2.4.4), elements in schema order. */
export function buildSpMetadata(input: SpMetadataInput): string {
  const keys = input.signingCertificatesPem
    .map(
      (pem) => `    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="${NS.ds}"><ds:X509Data><ds:X509Certificate>${certificateBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>`,
    )
    .join('\n');
  const attributes =
    input.requiredAttributes.length === 0
      ? ''
      : `
    <md:AttributeConsumingService index="0" isDefault="true">
      <md:ServiceName xml:lang="en">${escapeXml(input.serviceName)}</md:ServiceName>
${input.requiredAttributes.map((a) => `      <md:RequestedAttribute Name="${escapeXml(a.name)}" isRequired="${a.required}"/>`).join('\n')}
    </md:AttributeConsumingService>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="${NS.md}" entityID="${escapeXml(input.entityId)}">
  <md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
${keys}
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>
    <md:AssertionConsumerService Binding="${BINDINGS.post}" Location="${escapeXml(input.acsUrl)}" index="0" isDefault="true"/>${attributes}
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`;
}
