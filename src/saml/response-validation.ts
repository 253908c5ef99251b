import { createVerify } from 'node:crypto';
import type { Document, Element, Node } from '@xmldom/xmldom';
import { ExclusiveCanonicalization, findAncestorNs, SignedXml } from 'xml-crypto';
import { SsoFailure } from '../errors.js';
import { reject } from './saml-rejection.js';
import { childElements, descendantElements, NS, parseUntrustedXml, XmlRejectedError } from './xml.js';
import { XML_LIMITS } from './xml-limits.js';

/** What the response must match: everything comes from our own configuration, never from the message. */
export interface ResponseExpectations {
  /** ACS URLs this response may be addressed to (Destination and Recipient). */
  acsUrls: readonly string[];
  /** Our SP entity ID for this connection (the Audience). */
  audience: string;
  idpEntityId: string;
  /** The verification certificates pinned on the connection; KeyInfo in the message is ignored. */
  idpCertificatesPem: readonly string[];
  /** The ID of our AuthnRequest (SP-initiated), or null for an IdP-initiated (unsolicited) login. */
  inResponseTo: string | null;
  now: number;
  clockSkewMs: number;
}

export interface ValidatedAssertion {
  assertionId: string;
  issuer: string;
  nameId: string;
  nameIdFormat: string | null;
  sessionIndex: string | null;
  authnInstant: string;
  authnContextClassRef: string | null;
  attributes: Record<string, string[]>;
  /** Until when the assertion could be presented: the replay cache keeps its ID that long. */
  expiresAt: number;
}

/** Unverified facts read only to find the connection whose settings will then be enforced. */
export interface ResponseRouting {
  issuer: string | null;
  inResponseTo: string | null;
}

export const MAX_RESPONSE_BYTES = XML_LIMITS.samlResponse.maxBytes;

const PROTOCOL_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const ALLOWED_SIGNATURE_ALGORITHMS = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);
const ALLOWED_DIGESTS = new Set(['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmldsig-more#sha384', 'http://www.w3.org/2001/04/xmlenc#sha512']);
const ALLOWED_TRANSFORMS = new Set(['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#']);
const ALLOWED_C14N = new Set(['http://www.w3.org/2001/10/xml-exc-c14n#']);
/** Node's name of each accepted signature algorithm, for the first look at SignedInfo. */
const NODE_SIGNATURE_ALGORITHMS: Record<string, string> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'RSA-SHA256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': 'RSA-SHA384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'RSA-SHA512',
};

/** Decodes the SAMLResponse form field: size-capped (after removing line breaks), strict base64, UTF-8. */
function decodeMessage(samlResponse: string): string {
  const tooLarge = () => reject('MESSAGE_TOO_LARGE', `The SAML response is larger than ${MAX_RESPONSE_BYTES / 1024} KiB.`, 'ssobridge limit on message size (denial of service)');
  // Some IdPs wrap base64 in 76-column lines; allow for the line breaks before looking closer.
  if (samlResponse.length > Math.ceil((MAX_RESPONSE_BYTES * 4) / 3) * 1.1 + 64) tooLarge();
  const compact = samlResponse.replace(/[\r\n\t ]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0 || compact.length === 0) {
    reject('NOT_BASE64', 'The SAMLResponse field is not base64.', 'SAML bindings §3.5.4: the message is base64-encoded');
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > MAX_RESPONSE_BYTES) tooLarge();
  return bytes.toString('utf8');
}

/**
 * Parses response XML within the response limits (the pre-scan runs before any DOM is built):
 * the posted message, and the signed bytes xml-crypto hands back.
 */
function parseResponseXml(xml: string): Document {
  try {
    return parseUntrustedXml(xml, 'samlResponse');
  } catch (error) {
    if (error instanceof XmlRejectedError) {
      reject('XML_REJECTED', `The SAML response ${error.message}.`, 'SAML core §1.3: no DTDs; XML must be well-formed; ssobridge limits on message structure (denial of service)');
    }
    throw error;
  }
}

/** A posted response, decoded and parsed once: routing reads it, then validation checks it. */
export interface ParsedResponse {
  readonly xml: string;
  readonly document: Document;
}

/** Decodes and parses the SAMLResponse field (size, base64, pre-scan, XML), refusing anything but a samlp:Response. */
export function parseSamlResponse(samlResponse: string): ParsedResponse {
  const xml = decodeMessage(samlResponse);
  const document = parseResponseXml(xml);
  const root = document.documentElement!;
  if (root.namespaceURI !== NS.samlp || root.localName !== 'Response') {
    reject('NOT_A_RESPONSE', 'The message is not a samlp:Response.', 'SAML core §3.3.3');
  }
  return { document, xml };
}

const parsedOf = (response: string | ParsedResponse) => (typeof response === 'string' ? parseSamlResponse(response) : response);

/** Reads the issuer and InResponseTo without trusting them, to find the connection and transaction. */
export function peekResponse(response: string | ParsedResponse): ResponseRouting {
  const root = parsedOf(response).document.documentElement!;
  const issuer = childElements(root, NS.saml, 'Issuer')[0]?.textContent?.trim() ?? childElements(childElements(root, NS.saml, 'Assertion')[0] ?? root, NS.saml, 'Issuer')[0]?.textContent?.trim() ?? null;
  return { issuer, inResponseTo: root.getAttribute('InResponseTo') || null };
}

/**
 * One pass over every node, without recursion: refuses comments and processing instructions
 * (exc-c14n drops them, so signed and read text could differ) and repeated IDs (signature
 * wrapping). Size, depth and node counts were bounded by the pre-scan before the DOM existed.
 */
function checkStructure(document: Document): void {
  const seen = new Set<string>();
  const stack: Node[] = [document.documentElement!];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.nodeType === 7 || node.nodeType === 8) {
      reject(
        'COMMENT_OR_PROCESSING_INSTRUCTION',
        'The SAML response contains an XML comment or processing instruction.',
        'XML-DSig exc-c14n drops comments, so signed and read text could differ (CVE-2017-11427 class)',
      );
    }
    if (node.nodeType === 1) {
      const element = node as Element;
      for (const name of ['ID', 'Id', 'id']) {
        const value = element.getAttribute(name);
        if (value) {
          if (seen.has(value)) reject('DUPLICATE_ID', `The ID "${value}" appears twice in the SAML response.`, 'XML Schema: xs:ID values are unique (signature wrapping defence)');
          seen.add(value);
        }
      }
    }
    for (let child = node.firstChild; child; child = child.nextSibling) stack.push(child);
  }
}

const text = (element: Element | undefined) => element?.textContent?.trim() ?? '';
const parseTime = (value: string | null) => (value ? Date.parse(value) : Number.NaN);

/** xmldom builds the DOM xml-crypto works on (it parses with xmldom itself); these guards tell TypeScript so. */
const isDomElement = (node: unknown): node is globalThis.Element => typeof node === 'object' && node !== null && (node as { nodeType?: unknown }).nodeType === 1;
const isDomDocument = (node: unknown): node is globalThis.Document => typeof node === 'object' && node !== null && (node as { nodeType?: unknown }).nodeType === 9;

/** The SignatureValue as xml-crypto reads it: the first text of a SignatureValue element, without line breaks. */
function signatureValueOf(signature: Element): string {
  for (const element of Array.from(signature.getElementsByTagNameNS('*', 'SignatureValue'))) {
    for (let child = element.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === 3 || child.nodeType === 4) return (child.nodeValue ?? '').replace(/\r?\n/g, '');
    }
  }
  return '';
}

/**
 * The pinned certificates whose key made the SignatureValue over SignedInfo, canonicalized as
 * xml-crypto canonicalizes it when it checks the signature (its exclusive canonicalizer, on the
 * same node, with the same options). Only a first look: xml-crypto's own check (the reference,
 * its digest, then the signature) searches the whole document with XPath several times, at tens
 * of µs per node, and would do so for every pinned certificate. So a forged signature costs one
 * canonicalization of SignedInfo and one RSA check per certificate; a certificate that passes is
 * then checked by xml-crypto in full, which alone decides.
 */
function certificatesThatSigned(document: Document, signature: Element, signedInfo: Element, algorithm: string, certificates: readonly string[]): readonly string[] {
  const clone = signedInfo.cloneNode(true);
  const nodeAlgorithm = NODE_SIGNATURE_ALGORITHMS[algorithm];
  if (!isDomElement(clone) || !isDomDocument(document) || !nodeAlgorithm) return certificates;
  // Ancestors' namespaces count only for the prefixes of an InclusiveNamespaces PrefixList;
  // xml-crypto takes them from the first SignedInfo of the document, and so does this.
  const hasPrefixList = signedInfo.getElementsByTagNameNS('*', 'InclusiveNamespaces').length > 0;
  const canonical = new ExclusiveCanonicalization().process(clone, {
    defaultNsForPrefix: SignedXml.defaultNsForPrefix,
    ancestorNamespaces: hasPrefixList ? findAncestorNs(document, "//*[local-name()='SignedInfo']") : [],
  });
  const value = signatureValueOf(signature);
  return certificates.filter((certificate) => {
    try {
      return createVerify(nodeAlgorithm).update(canonical).verify(certificate, value, 'base64');
    } catch {
      return false;
    }
  });
}

/** Verifies one enveloped signature against the pinned certificates and returns the signed XML. */
function verifyEnvelopedSignature(document: Document, xml: string, signature: Element, signedElement: Element, certificates: readonly string[]): string {
  const signedInfo = childElements(signature, NS.ds, 'SignedInfo')[0];
  const method = signedInfo && childElements(signedInfo, NS.ds, 'SignatureMethod')[0]?.getAttribute('Algorithm');
  const c14n = signedInfo && childElements(signedInfo, NS.ds, 'CanonicalizationMethod')[0]?.getAttribute('Algorithm');
  const references = signedInfo ? childElements(signedInfo, NS.ds, 'Reference') : [];
  if (!method || !ALLOWED_SIGNATURE_ALGORITHMS.has(method) || !c14n || !ALLOWED_C14N.has(c14n)) {
    reject('WEAK_ALGORITHM', `The signature uses ${method ?? 'no'} signature algorithm with ${c14n ?? 'no'} canonicalization; only RSA-SHA256/384/512 with exclusive C14N are accepted.`, 'SAML conformance: SHA-1 is deprecated (NIST SP 800-131A)');
  }
  if (references.length !== 1) reject('SIGNATURE_INVALID', 'The signature must have exactly one Reference.', 'SAML core §5.4.2: one reference to the signed element');
  const reference = references[0]!;
  const id = signedElement.getAttribute('ID');
  if (!id || reference.getAttribute('URI') !== `#${id}`) {
    reject('SIGNATURE_MISPLACED', 'The signature does not cover the element that contains it.', 'SAML core §5.4.2: the Reference URI is the ID of the enveloping element');
  }
  const digest = childElements(reference, NS.ds, 'DigestMethod')[0]?.getAttribute('Algorithm');
  if (!digest || !ALLOWED_DIGESTS.has(digest)) reject('WEAK_ALGORITHM', `The signature digest ${digest ?? '(none)'} is not accepted; use SHA-256 or stronger.`, 'SAML conformance: SHA-1 is deprecated (NIST SP 800-131A)');
  const transforms = childElements(childElements(reference, NS.ds, 'Transforms')[0] ?? reference, NS.ds, 'Transform').map((t) => t.getAttribute('Algorithm') ?? '');
  if (transforms.some((t) => !ALLOWED_TRANSFORMS.has(t))) {
    reject('WEAK_ALGORITHM', `The signature uses a transform that is not accepted (${transforms.join(', ')}).`, 'SAML core §5.4.4: enveloped-signature and exclusive C14N only');
  }
  if (!isDomElement(signature)) return reject('SIGNATURE_INVALID', 'The signature is not an element.', 'XML-DSig §4.1');
  for (const certificate of certificatesThatSigned(document, signature, signedInfo!, method!, certificates)) {
    // The certificate comes from our configuration only; KeyInfo in the message is ignored.
    const verifier = new SignedXml({ publicCert: certificate, getCertFromKeyInfo: () => null });
    // SAML references elements by their ID attribute (checked above). xml-crypto would also look
    // for Id and id, each a search of the whole document; an ID repeated under any of the three
    // names was already refused (DUPLICATE_ID).
    verifier.idAttributes = ['ID'];
    verifier.loadSignature(signature);
    let valid: boolean;
    try {
      valid = verifier.checkSignature(xml);
    } catch {
      // Thrown when the signature value does not verify with this key: the next one may.
      continue;
    }
    // false: a reference or its digest does not match, which no other key can change.
    if (!valid) break;
    const signed = verifier.getSignedReferences();
    if (signed.length === 1) return signed[0]!;
  }
  return reject('SIGNATURE_INVALID', 'The signature does not verify with any certificate configured for this identity provider.', 'SAML core §5.4: signatures are verified with the IdP\'s known key');
}

/**
 * Validates a SAML Response from a customer's IdP as an ordered list of checks, each citing the
 * rule it enforces. The identity is read only from the XML whose signature verified. Takes the
 * posted field, or the response the ACS already parsed for routing (it is not parsed twice).
 */
export function validateSamlResponse(posted: string | ParsedResponse, expect: ResponseExpectations): ValidatedAssertion {
  const { document, xml } = parsedOf(posted);
  const response = document.documentElement!;
  checkStructure(document);

  if (response.getAttribute('Version') !== '2.0') reject('WRONG_VERSION', 'The response is not SAML 2.0.', 'SAML core §3.2.2: Version="2.0"');
  const destination = response.getAttribute('Destination');
  if (!destination || !expect.acsUrls.includes(destination)) {
    reject('WRONG_DESTINATION', `The response is addressed to ${destination ? `"${destination}"` : 'no Destination'}, not to this ACS URL.`, 'SAML bindings §3.5.5.2: Destination must be the receiving endpoint');
  }
  const responseIssuer = childElements(response, NS.saml, 'Issuer')[0];
  if (responseIssuer && text(responseIssuer) !== expect.idpEntityId) {
    reject('WRONG_ISSUER', `The response was issued by "${text(responseIssuer)}", not by the configured IdP.`, 'SAML profiles §4.1.4.2: Issuer is the IdP');
  }
  const responseInResponseTo = response.getAttribute('InResponseTo') || null;
  if (responseInResponseTo !== expect.inResponseTo) {
    reject(
      'WRONG_IN_RESPONSE_TO',
      expect.inResponseTo === null ? 'An unsolicited (IdP-initiated) response must not carry InResponseTo.' : 'The response does not answer our authentication request.',
      'SAML profiles §4.1.4.2: InResponseTo matches the request',
    );
  }
  const statusCode = childElements(childElements(response, NS.samlp, 'Status')[0] ?? response, NS.samlp, 'StatusCode')[0]?.getAttribute('Value');
  if (statusCode !== PROTOCOL_SUCCESS) {
    reject('STATUS_NOT_SUCCESS', `The identity provider answered with status ${statusCode ?? '(none)'}.`, 'SAML core §3.2.2.2: only Success carries an assertion to trust');
  }

  if (descendantElements(document, NS.saml, 'EncryptedAssertion').length > 0) {
    reject('ENCRYPTED_ASSERTION_UNSUPPORTED', 'Encrypted assertions are not supported; ask the IdP to sign the assertion without encrypting it.', 'ssobridge: no decryption key is configured');
  }
  const allAssertions = descendantElements(document, NS.saml, 'Assertion');
  const assertion = childElements(response, NS.saml, 'Assertion')[0];
  if (allAssertions.length !== 1 || !assertion) {
    reject('ASSERTION_COUNT', `The response must contain exactly one assertion, directly inside it; it has ${allAssertions.length}.`, 'SAML profiles §4.1.4.2 (signature wrapping defence)');
  }

  // Signatures may sit only on the Response and on the Assertion, each covering its parent.
  const signatures = descendantElements(document, NS.ds, 'Signature');
  for (const signature of signatures) {
    const parent = signature.parentNode as Element | null;
    if (parent !== response && parent !== assertion) {
      reject('SIGNATURE_MISPLACED', 'The response contains a signature outside the Response and Assertion elements.', 'SAML core §5.4.1 (signature wrapping defence)');
    }
  }
  const responseSignature = childElements(response, NS.ds, 'Signature')[0];
  const assertionSignature = childElements(assertion, NS.ds, 'Signature')[0];
  if (!responseSignature && !assertionSignature) {
    reject('UNSIGNED', 'Neither the response nor the assertion is signed.', 'SAML profiles §4.1.3.5: the assertion must be signed (or the whole response)');
  }

  // Read everything that follows from the signed bytes, never from the document we parsed.
  let signedAssertionXml: string;
  if (assertionSignature) {
    if (responseSignature) verifyEnvelopedSignature(document, xml, responseSignature, response, expect.idpCertificatesPem);
    signedAssertionXml = verifyEnvelopedSignature(document, xml, assertionSignature, assertion, expect.idpCertificatesPem);
  } else {
    const signedResponse = parseResponseXml(verifyEnvelopedSignature(document, xml, responseSignature!, response, expect.idpCertificatesPem));
    const inner = childElements(signedResponse.documentElement!, NS.saml, 'Assertion');
    if (inner.length !== 1) reject('ASSERTION_COUNT', 'The signed response does not contain exactly one assertion.', 'SAML profiles §4.1.4.2');
    signedAssertionXml = inner[0]!.toString();
  }
  const signed = parseResponseXml(signedAssertionXml).documentElement!;
  if (signed.namespaceURI !== NS.saml || signed.localName !== 'Assertion') reject('ASSERTION_COUNT', 'The signed element is not an assertion.', 'SAML core §2.3.3');
  return checkAssertion(signed, expect);
}

function checkAssertion(assertion: Element, expect: ResponseExpectations): ValidatedAssertion {
  const skew = expect.clockSkewMs;
  if (assertion.getAttribute('Version') !== '2.0') reject('WRONG_VERSION', 'The assertion is not SAML 2.0.', 'SAML core §2.3.3');
  const assertionId = assertion.getAttribute('ID') ?? '';
  if (assertionId === '') reject('ASSERTION_COUNT', 'The assertion has no ID.', 'SAML core §2.3.3: ID is required (and keys the replay cache)');
  const issuer = text(childElements(assertion, NS.saml, 'Issuer')[0]);
  if (issuer !== expect.idpEntityId) {
    reject('WRONG_ISSUER', `The assertion was issued by "${issuer}", not by the configured IdP.`, 'SAML profiles §4.1.4.2: the assertion Issuer is the IdP');
  }

  const subject = childElements(assertion, NS.saml, 'Subject')[0];
  const nameIdElement = subject && childElements(subject, NS.saml, 'NameID')[0];
  const nameId = text(nameIdElement);
  if (!subject || !nameIdElement || nameId === '') reject('NO_SUBJECT', 'The assertion has no Subject with a NameID.', 'SAML profiles §4.1.4.2: the assertion names its subject');

  // At least one bearer SubjectConfirmation must hold entirely (profiles §4.1.4.3).
  const confirmations = childElements(subject, NS.saml, 'SubjectConfirmation').filter((c) => c.getAttribute('Method') === BEARER);
  if (confirmations.length === 0) reject('NO_BEARER_CONFIRMATION', 'The assertion has no bearer SubjectConfirmation.', 'SAML profiles §4.1.4.2');
  let confirmedUntil = Number.NaN;
  let firstProblem: SsoFailure | undefined;
  for (const confirmation of confirmations) {
    try {
      const data = childElements(confirmation, NS.saml, 'SubjectConfirmationData')[0];
      if (!data) reject('NO_BEARER_CONFIRMATION', 'The bearer SubjectConfirmation has no SubjectConfirmationData.', 'SAML profiles §4.1.4.2');
      const recipient = data.getAttribute('Recipient');
      if (!recipient || !expect.acsUrls.includes(recipient)) {
        reject('WRONG_RECIPIENT', `The assertion is for recipient ${recipient ? `"${recipient}"` : '(none)'}, not this ACS URL.`, 'SAML profiles §4.1.4.2: Recipient is the ACS URL');
      }
      const notOnOrAfter = parseTime(data.getAttribute('NotOnOrAfter'));
      if (Number.isNaN(notOnOrAfter)) reject('EXPIRED', 'The bearer confirmation has no NotOnOrAfter.', 'SAML profiles §4.1.4.2: NotOnOrAfter is required');
      if (expect.now >= notOnOrAfter + skew) reject('EXPIRED', 'The assertion has expired (SubjectConfirmationData NotOnOrAfter).', 'SAML core §2.4.1.2');
      const notBefore = parseTime(data.getAttribute('NotBefore'));
      if (!Number.isNaN(notBefore) && expect.now < notBefore - skew) reject('NOT_YET_VALID', 'The assertion is not valid yet (SubjectConfirmationData NotBefore).', 'SAML core §2.4.1.2');
      if ((data.getAttribute('InResponseTo') || null) !== expect.inResponseTo) {
        reject('WRONG_IN_RESPONSE_TO', 'The assertion does not answer our authentication request.', 'SAML profiles §4.1.4.2: InResponseTo matches the request');
      }
      confirmedUntil = notOnOrAfter;
      break;
    } catch (error) {
      if (!(error instanceof SsoFailure)) throw error;
      firstProblem ??= error;
    }
  }
  if (Number.isNaN(confirmedUntil)) throw firstProblem!;
  // The replay cache must outlive every confirmation that could still be presented.
  for (const confirmation of confirmations) {
    const until = parseTime(childElements(confirmation, NS.saml, 'SubjectConfirmationData')[0]?.getAttribute('NotOnOrAfter') ?? null);
    if (!Number.isNaN(until)) confirmedUntil = Math.max(confirmedUntil, until);
  }

  const conditions = childElements(assertion, NS.saml, 'Conditions')[0];
  const conditionsNotBefore = parseTime(conditions?.getAttribute('NotBefore') ?? null);
  const conditionsNotOnOrAfter = parseTime(conditions?.getAttribute('NotOnOrAfter') ?? null);
  if (!Number.isNaN(conditionsNotBefore) && expect.now < conditionsNotBefore - skew) reject('NOT_YET_VALID', 'The assertion is not valid yet (Conditions NotBefore).', 'SAML core §2.5.1.2');
  if (!Number.isNaN(conditionsNotOnOrAfter) && expect.now >= conditionsNotOnOrAfter + skew) reject('EXPIRED', 'The assertion has expired (Conditions NotOnOrAfter).', 'SAML core §2.5.1.2');
  const audiences = (conditions ? childElements(conditions, NS.saml, 'AudienceRestriction') : []).map((r) => childElements(r, NS.saml, 'Audience').map((a) => text(a)));
  // Every AudienceRestriction must include us (core §2.5.1.4); at least one is required (profiles §4.1.4.2).
  if (audiences.length === 0 || audiences.some((list) => !list.includes(expect.audience))) {
    reject('WRONG_AUDIENCE', `The assertion is not for this service provider (audience ${audiences.flat().join(', ') || 'missing'}).`, 'SAML core §2.5.1.4 and profiles §4.1.4.2');
  }

  const authn = childElements(assertion, NS.saml, 'AuthnStatement')[0];
  if (!authn) reject('NO_AUTHN_STATEMENT', 'The assertion has no AuthnStatement.', 'SAML profiles §4.1.4.2: at least one AuthnStatement');
  const authnInstant = authn.getAttribute('AuthnInstant') ?? '';
  if (Number.isNaN(parseTime(authnInstant))) {
    reject('NO_AUTHN_STATEMENT', 'The AuthnStatement has no valid AuthnInstant.', 'SAML core §2.7.2: AuthnInstant is required');
  }
  const context = childElements(authn, NS.saml, 'AuthnContext')[0];

  const attributes: Record<string, string[]> = {};
  for (const statement of childElements(assertion, NS.saml, 'AttributeStatement')) {
    for (const attribute of childElements(statement, NS.saml, 'Attribute')) {
      const name = attribute.getAttribute('Name');
      if (!name) continue;
      attributes[name] = [...(attributes[name] ?? []), ...childElements(attribute, NS.saml, 'AttributeValue').map((v) => text(v))];
    }
  }

  return {
    assertionId,
    issuer,
    nameId,
    nameIdFormat: nameIdElement!.getAttribute('Format') || null,
    sessionIndex: authn.getAttribute('SessionIndex') || null,
    authnInstant,
    authnContextClassRef: context ? text(childElements(context, NS.saml, 'AuthnContextClassRef')[0]) || null : null,
    attributes,
    expiresAt: Math.max(confirmedUntil, Number.isNaN(conditionsNotOnOrAfter) ? 0 : conditionsNotOnOrAfter) + skew,
  };
}
