import { certificateBody } from './certificates.js';
import { BINDINGS, escapeXml, NS } from './xml.js';

/** One identity (issuer) we present to a SAML app, and where the app sends its users to sign in. */
export interface IdpEntityInput {
  entityId: string;
  ssoUrl: string;
}

export interface IdpMetadataInput {
  /** One entity gives an EntityDescriptor document; several (or `group`) an EntitiesDescriptor. */
  entities: readonly IdpEntityInput[];
  /** Wrap even a single entity in an EntitiesDescriptor, so the document's shape does not depend on how many there are. */
  group?: boolean | undefined;
  /** Active key first, then the renewal key: apps accept either while we roll over. */
  signingCertificatesPem: readonly string[];
  nameIdFormats: readonly string[];
  /** Names the EntitiesDescriptor (its Name attribute). */
  groupName?: string | undefined;
}

/** The NameID formats an app may receive: the NameID passes through from the customer's IdP unchanged. */
export const PASS_THROUGH_NAME_ID_FORMATS = [
  'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
] as const;

function entityDescriptor(entity: IdpEntityInput, input: IdpMetadataInput, indent: string, declareNamespace: boolean): string {
  const keys = input.signingCertificatesPem
    .map(
      (pem) => `${indent}    <md:KeyDescriptor use="signing">
${indent}      <ds:KeyInfo xmlns:ds="${NS.ds}"><ds:X509Data><ds:X509Certificate>${certificateBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
${indent}    </md:KeyDescriptor>`,
    )
    .join('\n');
  const formats = input.nameIdFormats.map((f) => `${indent}    <md:NameIDFormat>${escapeXml(f)}</md:NameIDFormat>`).join('\n');
  // Schema order (saml-metadata-2.0-os §2.4.3): KeyDescriptor, NameIDFormat, SingleSignOnService.
  return `${indent}<md:EntityDescriptor${declareNamespace ? ` xmlns:md="${NS.md}"` : ''} entityID="${escapeXml(entity.entityId)}">
${indent}  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
${keys}
${formats}
${indent}    <md:SingleSignOnService Binding="${BINDINGS.redirect}" Location="${escapeXml(entity.ssoUrl)}"/>
${indent}  </md:IDPSSODescriptor>
${indent}</md:EntityDescriptor>`;
}

/**
 * SAML 2.0 IdP metadata (saml-metadata-2.0-os §2.4.3) for a SAML app to import: who signs the
 * assertions it receives, with which certificates, and where to send users to sign in.
 * Pure: every value is escaped, nothing is read from anywhere else.
 */
export function buildIdpMetadata(input: IdpMetadataInput): string {
  if (input.entities.length === 0) throw new Error('IdP metadata needs at least one entity');
  const body =
    input.entities.length === 1 && !input.group
      ? entityDescriptor(input.entities[0]!, input, '', true)
      : `<md:EntitiesDescriptor xmlns:md="${NS.md}"${input.groupName ? ` Name="${escapeXml(input.groupName)}"` : ''}>
${input.entities.map((e) => entityDescriptor(e, input, '  ', false)).join('\n')}
</md:EntitiesDescriptor>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
${body}
`;
}
