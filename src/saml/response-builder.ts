import { randomBytes } from 'node:crypto';
import { escapeXml, NS } from './xml.js';
import { signElement } from './xml-signing.js';

export interface ResponseContent {
  issuer: string;
  destination: string;
  inResponseTo: string | null;
  audience: string;
  nameId: string;
  nameIdFormat: string;
  sessionIndex: string;
  authnInstant: string;
  authnContextClassRef: string;
  attributes: Record<string, string[]>;
  now: number;
  /** How long the assertion may be presented (SubjectConfirmationData and Conditions NotOnOrAfter). */
  lifetimeMs: number;
}

export interface SigningKey {
  privateKeyPem: string;
  certificatePem: string;
}

/** A SAML ID: starts with a letter or underscore (xs:ID), 160 random bits. */
export function newSamlId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * A SAML 2.0 Response carrying one bearer assertion (SAML profiles §4.1.4.2), with the assertion
 * signed and, when asked, the response signed too.
 */
export function buildSignedResponse(content: ResponseContent, key: SigningKey, options: { signResponse: boolean } = { signResponse: true }): string {
  const responseId = newSamlId();
  const assertionId = newSamlId();
  const now = iso(content.now - 1000);
  const notOnOrAfter = iso(content.now + content.lifetimeMs);
  const inResponseTo = content.inResponseTo ? ` InResponseTo="${escapeXml(content.inResponseTo)}"` : '';
  const attributes = Object.entries(content.attributes)
    .map(
      ([name, values]) =>
        `<saml:Attribute Name="${escapeXml(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values
          .map((v) => `<saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">${escapeXml(v)}</saml:AttributeValue>`)
          .join('')}</saml:Attribute>`,
    )
    .join('');
  const assertion =
    `<saml:Assertion xmlns:saml="${NS.saml}" ID="${assertionId}" Version="2.0" IssueInstant="${now}">` +
    `<saml:Issuer>${escapeXml(content.issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${escapeXml(content.nameIdFormat)}">${escapeXml(content.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${escapeXml(content.destination)}"${inResponseTo}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${now}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${escapeXml(content.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${escapeXml(content.authnInstant)}" SessionIndex="${escapeXml(content.sessionIndex)}"><saml:AuthnContext><saml:AuthnContextClassRef>${escapeXml(content.authnContextClassRef)}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
    `</saml:Assertion>`;
  const response =
    `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${responseId}" Version="2.0" IssueInstant="${now}" Destination="${escapeXml(content.destination)}"${inResponseTo}>` +
    `<saml:Issuer>${escapeXml(content.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    assertion +
    `</samlp:Response>`;
  const withSignedAssertion = signElement(response, assertionId, key);
  return options.signResponse ? signElement(withSignedAssertion, responseId, key) : withSignedAssertion;
}

/** The ID of a Response this module built (the root element's first ID attribute). */
export function responseIdOf(responseXml: string): string {
  const match = /^<samlp:Response [^>]*?ID="([^"]+)"/.exec(responseXml);
  if (!match) throw new Error('not a response built by buildSignedResponse');
  return match[1]!;
}
