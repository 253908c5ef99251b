import { inflateRawSync } from 'node:zlib';
import { childElements, NS, parseUntrustedXml } from './xml.js';

/** What an IdP needs from an AuthnRequest to answer it (SAML core §3.4.1). */
export interface AuthnRequestSummary {
  id: string;
  issuer: string;
  acsUrl: string;
  /** The request as XML, so that a later step (the sign-in form) can carry it and read it again. */
  xml: string;
}

export class AuthnRequestError extends Error {}

/** An inflated request larger than this is not one of ours (they are about 700 bytes). */
const MAX_REQUEST_BYTES = 16 * 1024;

/**
 * The XML of a SAMLRequest as the binding carried it: DEFLATE then base64 for HTTP-Redirect
 * (SAML bindings §3.4.4.1), base64 alone for HTTP-POST (§3.5.4).
 */
export function decodeSamlRequest(samlRequest: string, binding: 'redirect' | 'post'): string {
  const bytes = Buffer.from(samlRequest, 'base64');
  if (bytes.length === 0 || bytes.length > MAX_REQUEST_BYTES) throw new AuthnRequestError('The SAMLRequest is empty or too large.');
  if (binding === 'post') return bytes.toString('utf8');
  try {
    return inflateRawSync(bytes, { maxOutputLength: MAX_REQUEST_BYTES }).toString('utf8');
  } catch {
    throw new AuthnRequestError('The SAMLRequest is not DEFLATE-compressed as the HTTP-Redirect binding requires.');
  }
}

/** Reads the ID, Issuer and AssertionConsumerServiceURL of an AuthnRequest, after the bounded pre-scan. */
export function readAuthnRequest(xml: string): AuthnRequestSummary {
  let root;
  try {
    // An AuthnRequest is far smaller than a response; the response limits bound it well.
    root = parseUntrustedXml(xml, 'samlResponse').documentElement;
  } catch (error) {
    throw new AuthnRequestError(`The SAMLRequest ${error instanceof Error ? error.message : 'is not XML'}.`);
  }
  if (!root || root.namespaceURI !== NS.samlp || root.localName !== 'AuthnRequest') throw new AuthnRequestError('The SAMLRequest is not an AuthnRequest.');
  const id = root.getAttribute('ID') ?? '';
  const acsUrl = root.getAttribute('AssertionConsumerServiceURL') ?? '';
  const issuers = childElements(root, NS.saml, 'Issuer');
  const issuer = issuers.length === 1 ? (issuers[0]!.textContent ?? '').trim() : '';
  if (!id || !acsUrl || !issuer) throw new AuthnRequestError('The AuthnRequest must have an ID, an AssertionConsumerServiceURL and one Issuer.');
  return { id, issuer, acsUrl, xml };
}
