import { createSign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { BINDINGS, escapeXml, NS } from './xml.js';
import { signElement } from './xml-signing.js';
import type { SigningKey } from './response-builder.js';

export interface AuthnRequestContent {
  id: string;
  issuer: string;
  destination: string;
  acsUrl: string;
  forceAuthn: boolean;
  now: number;
}

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

/** A SAML 2.0 AuthnRequest asking for a response by HTTP-POST to our ACS (SAML core §3.4.1). */
export function buildAuthnRequest(c: AuthnRequestContent): string {
  return (
    `<samlp:AuthnRequest xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${escapeXml(c.id)}" Version="2.0" ` +
    `IssueInstant="${new Date(c.now).toISOString().replace(/\.\d{3}Z$/, 'Z')}" Destination="${escapeXml(c.destination)}" ` +
    `AssertionConsumerServiceURL="${escapeXml(c.acsUrl)}" ProtocolBinding="${BINDINGS.post}"${c.forceAuthn ? ' ForceAuthn="true"' : ''}>` +
    `<saml:Issuer>${escapeXml(c.issuer)}</saml:Issuer>` +
    `<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified" AllowCreate="true"/>` +
    `</samlp:AuthnRequest>`
  );
}

/**
 * HTTP-Redirect binding (SAML bindings §3.4.4.1): DEFLATE, base64, URL-encode, and sign the
 * exact query string SAMLRequest=…&RelayState=…&SigAlg=… with RSA-SHA256.
 */
export function redirectBindingUrl(destination: string, requestXml: string, relayState: string, key: SigningKey): string {
  const query = [
    `SAMLRequest=${encodeURIComponent(deflateRawSync(Buffer.from(requestXml, 'utf8')).toString('base64'))}`,
    `RelayState=${encodeURIComponent(relayState)}`,
    `SigAlg=${encodeURIComponent(RSA_SHA256)}`,
  ].join('&');
  const signature = createSign('RSA-SHA256').update(query).sign(key.privateKeyPem, 'base64');
  return `${destination}${destination.includes('?') ? '&' : '?'}${query}&Signature=${encodeURIComponent(signature)}`;
}

/** HTTP-POST binding (SAML bindings §3.5): the request itself carries an enveloped signature. */
export function postBindingRequest(requestXml: string, requestId: string, key: SigningKey): string {
  return Buffer.from(signElement(requestXml, requestId, key), 'utf8').toString('base64');
}
