/**
 * Attacks on the SAML Response validator, generated at test time from a valid signed response with
 * fresh keys (nothing is committed that could rot). One function per attack, named after it; each
 * returns an {@link AttackCase}: the SAMLResponse form field, the decoded XML, and the
 * expectations (our own configuration) the SP validates it against.
 *
 * Documents are manipulated with @xmldom/xmldom and re-signed with xml-crypto where an attack needs
 * a valid signature (the IdP's own, for content the IdP could plausibly have signed; the
 * attacker's, for forged ones). See test/fixtures/saml/attacks/README.md for the catalogue.
 */
import { randomBytes } from 'node:crypto';
import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { buildSignedResponse, newSamlId, type ResponseContent, type SigningKey } from '../../src/saml/response-builder.js';
import { MAX_RESPONSE_BYTES, type ResponseExpectations } from '../../src/saml/response-validation.js';
import { generateSigningKeyPair } from '../../src/saml/signing-key-pair.js';
import { NS } from '../../src/saml/xml.js';

export const IDP_ENTITY_ID = 'https://idp.customer.example/saml2';
export const OTHER_IDP_ENTITY_ID = 'https://idp.customer.example/other-tenant';
export const SP_ENTITY_ID = 'https://sso.ssobridge.example/sp/acme';
export const OTHER_SP_ENTITY_ID = 'https://other-sp.example/saml';
export const ACS_URL = 'https://sso.ssobridge.example/sso/acs';
export const OTHER_ACS_URL = 'https://other-sp.example/saml/acs';
export const REQUEST_ID = '_9f1c0e6b2d4a4e5f8a7b6c5d4e3f2a1b0c9d8e7f';
export const CLOCK_SKEW_MS = 120_000;
/** The user the IdP really authenticated. */
export const USER = 'alice@customer.example';
/** The identity an attacker wants to become. */
export const VICTIM = 'admin@customer.example';
export const ATTRIBUTES: Record<string, string[]> = { email: [USER], groups: ['staff', 'sales'] };

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const ALGORITHMS = {
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
} as const;

export interface AttackKit {
  /** The instant every document and expectation is built around (the real clock, so other libraries agree). */
  now: number;
  /** The customer's IdP: its certificate is the one pinned on the connection. */
  idp: SigningKey;
  /** A key pair of the attacker's own (a valid certificate, just not the pinned one). */
  attacker: SigningKey;
}

export interface AttackCase {
  /** The SAMLResponse form field as posted. */
  samlResponse: string;
  /** The decoded document (null when the field is not base64 of XML). */
  xml: string | null;
  /** What the SP checks it against: always from our configuration. */
  expectations: ResponseExpectations;
  /** For documents that must be accepted: the identity the IdP signed. */
  signedIdentity?: { nameId: string; attributes: Record<string, string[]> };
  /** The identity the attacker hopes to come out of the validator (it never may). */
  attackerIdentity?: string;
}

export async function createAttackKit(now = Date.now()): Promise<AttackKit> {
  const [idp, attacker] = await Promise.all([generateSigningKeyPair('idp.customer.example', now), generateSigningKeyPair('attacker.example', now)]);
  return { now, idp, attacker };
}

export function content(kit: AttackKit, overrides: Partial<ResponseContent> = {}): ResponseContent {
  return {
    issuer: IDP_ENTITY_ID,
    destination: ACS_URL,
    inResponseTo: REQUEST_ID,
    audience: SP_ENTITY_ID,
    nameId: USER,
    nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    sessionIndex: '_session-1',
    authnInstant: new Date(kit.now - 5_000).toISOString(),
    authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
    attributes: ATTRIBUTES,
    now: kit.now,
    lifetimeMs: 5 * 60_000,
    ...overrides,
  };
}

export function expectations(kit: AttackKit, overrides: Partial<ResponseExpectations> = {}): ResponseExpectations {
  return {
    acsUrls: [ACS_URL],
    audience: SP_ENTITY_ID,
    idpEntityId: IDP_ENTITY_ID,
    idpCertificatesPem: [kit.idp.certificatePem],
    inResponseTo: REQUEST_ID,
    now: kit.now,
    clockSkewMs: CLOCK_SKEW_MS,
    ...overrides,
  };
}

function attackCase(kit: AttackKit, xml: string, extra: Partial<Omit<AttackCase, 'xml' | 'samlResponse' | 'expectations'>> & { expect?: Partial<ResponseExpectations> } = {}): AttackCase {
  const { expect: expectOverrides, ...rest } = extra;
  return { samlResponse: Buffer.from(xml, 'utf8').toString('base64'), xml, expectations: expectations(kit, expectOverrides), ...rest };
}

// --- DOM and signing helpers ------------------------------------------------------------------

export function parseXml(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

export function serializeXml(document: Document): string {
  return new XMLSerializer().serializeToString(document);
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function children(parent: Element, namespace: string, localName: string): Element[] {
  return Array.from(parent.childNodes).filter((n): n is Element => n.nodeType === 1 && (n as Element).namespaceURI === namespace && (n as Element).localName === localName);
}

function child(parent: Element, namespace: string, localName: string): Element {
  const found = children(parent, namespace, localName)[0];
  if (!found) throw new Error(`no ${localName} in ${parent.localName}`);
  return found;
}

/** The parts of a one-assertion response that attacks touch. */
export interface ResponseParts {
  doc: Document;
  response: Element;
  responseIssuer: Element;
  status: Element;
  assertion: Element;
  assertionIssuer: Element;
  subject: Element;
  nameId: Element;
  subjectConfirmation: Element;
  subjectConfirmationData: Element;
  conditions: Element;
}

export function responseParts(doc: Document): ResponseParts {
  const response = doc.documentElement!;
  const assertion = child(response, NS.saml, 'Assertion');
  const subject = child(assertion, NS.saml, 'Subject');
  const subjectConfirmation = child(subject, NS.saml, 'SubjectConfirmation');
  return {
    doc,
    response,
    responseIssuer: child(response, NS.saml, 'Issuer'),
    status: child(response, NS.samlp, 'Status'),
    assertion,
    assertionIssuer: child(assertion, NS.saml, 'Issuer'),
    subject,
    nameId: child(subject, NS.saml, 'NameID'),
    subjectConfirmation,
    subjectConfirmationData: child(subjectConfirmation, NS.saml, 'SubjectConfirmationData'),
    conditions: child(assertion, NS.saml, 'Conditions'),
  };
}

/** Parses, lets `change` edit the document, and serializes it again. */
export function edit(xml: string, change: (parts: ResponseParts) => void): string {
  const doc = parseXml(xml);
  change(responseParts(doc));
  return serializeXml(doc);
}

function setText(element: Element, value: string): void {
  while (element.firstChild) element.removeChild(element.firstChild);
  element.appendChild(element.ownerDocument!.createTextNode(value));
}

/** Removes every ds:Signature from the document. */
export function stripSignatures(xml: string): string {
  const doc = parseXml(xml);
  for (const signature of Array.from(doc.getElementsByTagNameNS(NS.ds, 'Signature'))) signature.parentNode!.removeChild(signature);
  return serializeXml(doc);
}

export interface SignOptions {
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  /** The certificate put in KeyInfo: the signer's own by default, another one, or none (null). */
  keyInfoCertificatePem?: string | null;
  /** An InclusiveNamespaces PrefixList on the Reference's exclusive C14N transform. */
  referencePrefixList?: string[];
}

/** An enveloped signature on the element with this ID, placed after its Issuer (core §5.4.1). */
export function signWith(xml: string, elementId: string, key: SigningKey, options: SignOptions = {}): string {
  const keyInfoCertificate = options.keyInfoCertificatePem === undefined ? key.certificatePem : options.keyInfoCertificatePem;
  const signer = new SignedXml({
    privateKey: key.privateKeyPem,
    ...(keyInfoCertificate ? { publicCert: keyInfoCertificate } : {}),
    signatureAlgorithm: options.signatureAlgorithm ?? ALGORITHMS.rsaSha256,
    canonicalizationAlgorithm: EXC_C14N,
  });
  const element = `//*[@ID='${elementId}']`;
  signer.addReference({
    xpath: element,
    transforms: [ENVELOPED, EXC_C14N],
    digestAlgorithm: options.digestAlgorithm ?? ALGORITHMS.sha256,
    ...(options.referencePrefixList && { inclusiveNamespacesPrefixList: options.referencePrefixList }),
  });
  signer.computeSignature(xml, { prefix: 'ds', location: { reference: `${element}/*[local-name(.)='Issuer']`, action: 'after' } });
  return signer.getSignedXml();
}

/** Strips every signature, then signs the (single) assertion and/or the response again. */
export function resign(xml: string, key: SigningKey, what: { assertion: boolean; response: boolean }, options: SignOptions = {}): string {
  let out = stripSignatures(xml);
  const response = parseXml(out).documentElement!;
  const assertion = child(response, NS.saml, 'Assertion');
  if (what.assertion) out = signWith(out, assertion.getAttribute('ID')!, key, options);
  if (what.response) out = signWith(out, response.getAttribute('ID')!, key, options);
  return out;
}

/** A response as the IdP would sign it: only the assertion signed (the most common shape). */
function assertionSigned(kit: AttackKit, overrides: Partial<ResponseContent> = {}): string {
  return buildSignedResponse(content(kit, overrides), kit.idp, { signResponse: false });
}

/** Takes a response, edits it, and has the IdP sign the assertion again (content the IdP signed). */
function idpSignedEdit(kit: AttackKit, change: (parts: ResponseParts) => void, what = { assertion: true, response: false }): string {
  return resign(edit(stripSignatures(assertionSigned(kit)), change), kit.idp, what);
}

/** Inserts samlp:Extensions (allowed by the schema, before Status) and returns it. */
function addExtensions(parts: ResponseParts): Element {
  const extensions = parts.doc.createElementNS(NS.samlp, 'samlp:Extensions');
  parts.response.insertBefore(extensions, parts.status);
  return extensions;
}

/** What xml-crypto alone says about a document's first signature (to prove an attack keeps it valid). */
export function xmlCryptoVerdict(xml: string, certificatePem: string): { valid: boolean; signedXml: string[] } {
  const doc = parseXml(xml);
  const signature = doc.getElementsByTagNameNS(NS.ds, 'Signature')[0]!;
  const verifier = new SignedXml({ publicCert: certificatePem, getCertFromKeyInfo: () => null });
  verifier.loadSignature(signature as unknown as globalThis.Node);
  try {
    return { valid: verifier.checkSignature(xml), signedXml: verifier.getSignedReferences() };
  } catch {
    return { valid: false, signedXml: [] };
  }
}

// --- Valid responses ----------------------------------------------------------------------------

/** The IdP signs only the assertion (SP-initiated). Accepted. */
export function validAssertionSigned(kit: AttackKit): AttackCase {
  return attackCase(kit, assertionSigned(kit), { signedIdentity: { nameId: USER, attributes: ATTRIBUTES } });
}

/** The IdP signs the assertion and the response. Accepted. */
export function validBothSigned(kit: AttackKit): AttackCase {
  return attackCase(kit, buildSignedResponse(content(kit), kit.idp, { signResponse: true }), { signedIdentity: { nameId: USER, attributes: ATTRIBUTES } });
}

/** The IdP signs only the response; the assertion inside has no signature of its own. Accepted. */
export function unsignedAssertionInSignedResponse(kit: AttackKit): AttackCase {
  return attackCase(kit, resign(assertionSigned(kit), kit.idp, { assertion: false, response: true }), { signedIdentity: { nameId: USER, attributes: ATTRIBUTES } });
}

/** An IdP-initiated (unsolicited) response: no InResponseTo anywhere, none expected. Accepted. */
export function validIdpInitiated(kit: AttackKit): AttackCase {
  return attackCase(kit, assertionSigned(kit, { inResponseTo: null }), { expect: { inResponseTo: null }, signedIdentity: { nameId: USER, attributes: ATTRIBUTES } });
}

// --- XML signature wrapping ("On Breaking SAML", as SAML Raider applies them) -------------------

const EVIL_RESPONSE_ID = '_evil_response_ID';
const EVIL_ASSERTION_ID = '_evil_assertion_ID';

function makeEvil(assertion: Element): void {
  const subject = child(assertion, NS.saml, 'Subject');
  setText(child(subject, NS.saml, 'NameID'), VICTIM);
}

function firstSignature(element: Element): Element {
  const signature = element.getElementsByTagNameNS(NS.ds, 'Signature')[0];
  if (!signature) throw new Error(`no Signature inside ${element.localName}`);
  return signature;
}

/** Response-level wrapping on a signed response: a copy of the signed response goes into the signature. */
function wrapSignedResponse(kit: AttackKit, place: (response: Element, signature: Element, signedCopy: Element) => void): AttackCase {
  const doc = parseXml(unsignedAssertionInSignedResponse(kit).xml!);
  const response = doc.documentElement!;
  const signedCopy = response.cloneNode(true) as Element;
  const copiedSignature = firstSignature(signedCopy);
  copiedSignature.parentNode!.removeChild(copiedSignature);
  makeEvil(child(response, NS.saml, 'Assertion'));
  place(response, firstSignature(response), signedCopy);
  response.setAttribute('ID', EVIL_RESPONSE_ID);
  return attackCase(kit, serializeXml(doc), { attackerIdentity: VICTIM });
}

/** XSW1: evil response (new ID) whose Signature holds the original signed response as an extra child. */
export function xsw1(kit: AttackKit): AttackCase {
  return wrapSignedResponse(kit, (_response, signature, signedCopy) => signature.appendChild(signedCopy));
}

/** XSW2: evil response (new ID) with the original signed response as a sibling just before its Signature (detached). */
export function xsw2(kit: AttackKit): AttackCase {
  return wrapSignedResponse(kit, (response, signature, signedCopy) => response.insertBefore(signedCopy, signature));
}

/** XSW1, with the evil (unsigned) assertion also given a fresh ID so no ID repeats. */
export function xsw1WithUniqueIds(kit: AttackKit): AttackCase {
  return wrapSignedResponse(kit, (response, signature, signedCopy) => {
    child(response, NS.saml, 'Assertion').setAttribute('ID', EVIL_ASSERTION_ID);
    signature.appendChild(signedCopy);
  });
}

/** XSW2, with the evil (unsigned) assertion also given a fresh ID so no ID repeats. */
export function xsw2WithUniqueIds(kit: AttackKit): AttackCase {
  return wrapSignedResponse(kit, (response, signature, signedCopy) => {
    child(response, NS.saml, 'Assertion').setAttribute('ID', EVIL_ASSERTION_ID);
    response.insertBefore(signedCopy, signature);
  });
}

/** Assertion-level wrapping on an assertion-signed response. */
function wrapSignedAssertion(kit: AttackKit, apply: (parts: ResponseParts) => void): AttackCase {
  return attackCase(kit, edit(assertionSigned(kit), apply), { attackerIdentity: VICTIM });
}

/** XSW3: evil assertion (new ID, unsigned) inserted before the signed one. */
export function xsw3(kit: AttackKit): AttackCase {
  return wrapSignedAssertion(kit, ({ response, assertion }) => {
    const evil = assertion.cloneNode(true) as Element;
    makeEvil(evil);
    evil.removeChild(firstSignature(evil));
    evil.setAttribute('ID', EVIL_ASSERTION_ID);
    response.insertBefore(evil, assertion);
  });
}

/** XSW4: evil assertion (new ID, unsigned) wrapping the signed one as its last child. */
export function xsw4(kit: AttackKit): AttackCase {
  return wrapSignedAssertion(kit, ({ response, assertion }) => {
    const evil = assertion.cloneNode(true) as Element;
    makeEvil(evil);
    evil.removeChild(firstSignature(evil));
    evil.setAttribute('ID', EVIL_ASSERTION_ID);
    response.appendChild(evil);
    evil.appendChild(assertion);
  });
}

/** XSW5: the signed assertion is made evil in place (new ID, keeps the signature); an unsigned copy of the original is appended to the response. */
export function xsw5(kit: AttackKit): AttackCase {
  return wrapSignedAssertion(kit, ({ response, assertion }) => {
    const original = assertion.cloneNode(true) as Element;
    makeEvil(assertion);
    original.removeChild(firstSignature(original));
    response.appendChild(original);
    assertion.setAttribute('ID', EVIL_ASSERTION_ID);
  });
}

/** XSW6: as XSW5, but the copy of the original goes inside the (moved along) signature. */
export function xsw6(kit: AttackKit): AttackCase {
  return wrapSignedAssertion(kit, ({ assertion }) => {
    const signature = firstSignature(assertion);
    const original = assertion.cloneNode(true) as Element;
    makeEvil(assertion);
    original.removeChild(firstSignature(original));
    signature.appendChild(original);
    assertion.setAttribute('ID', EVIL_ASSERTION_ID);
  });
}

/** XSW7: an Extensions element carrying an unsigned evil copy of the assertion (same ID), before the signed one. */
export function xsw7(kit: AttackKit): AttackCase {
  return wrapSignedAssertion(kit, ({ doc, response, assertion }) => {
    const extensions = doc.createElementNS(NS.samlp, 'samlp:Extensions');
    response.insertBefore(extensions, assertion);
    const evil = assertion.cloneNode(true) as Element;
    makeEvil(evil);
    evil.removeChild(firstSignature(evil));
    extensions.appendChild(evil);
  });
}

/** XSW7, with the evil copy in Extensions given a fresh ID so no ID repeats. */
export function xsw7WithUniqueIds(kit: AttackKit): AttackCase {
  return wrapSignedAssertion(kit, ({ doc, response, assertion }) => {
    const extensions = doc.createElementNS(NS.samlp, 'samlp:Extensions');
    response.insertBefore(extensions, assertion);
    const evil = assertion.cloneNode(true) as Element;
    makeEvil(evil);
    evil.removeChild(firstSignature(evil));
    evil.setAttribute('ID', EVIL_ASSERTION_ID);
    extensions.appendChild(evil);
  });
}

/** XSW8: the signed assertion is made evil in place (same ID); an unsigned copy of the original sits in a ds:Object inside its signature. */
export function xsw8(kit: AttackKit): AttackCase {
  return wrapSignedAssertion(kit, ({ doc, assertion }) => {
    const signature = firstSignature(assertion);
    const original = assertion.cloneNode(true) as Element;
    makeEvil(assertion);
    original.removeChild(firstSignature(original));
    const object = doc.createElementNS(NS.ds, 'ds:Object');
    signature.appendChild(object);
    object.appendChild(original);
  });
}

/** XSW8, with the evil assertion in place given a fresh ID so no ID repeats (the signed original sits in ds:Object). */
export function xsw8WithUniqueIds(kit: AttackKit): AttackCase {
  return wrapSignedAssertion(kit, ({ doc, assertion }) => {
    const signature = firstSignature(assertion);
    const original = assertion.cloneNode(true) as Element;
    makeEvil(assertion);
    assertion.setAttribute('ID', EVIL_ASSERTION_ID);
    original.removeChild(firstSignature(original));
    const object = doc.createElementNS(NS.ds, 'ds:Object');
    signature.appendChild(object);
    object.appendChild(original);
  });
}

// --- Comment / processing instruction injection in NameID (CVE-2017-11427 class) --------------

const REGISTERED_AT_IDP = 'admin@evil.com.attacker.com';
const TRUNCATED = 'admin@evil.com';

/**
 * The attacker registers admin@evil.com.attacker.com at the IdP, gets a signed assertion and
 * splits the NameID with an empty comment. Exclusive C14N drops comments, so the signature holds;
 * a DOM reader that takes the first text node sees admin@evil.com.
 */
export function commentInjectionInNameId(kit: AttackKit): AttackCase {
  const signed = assertionSigned(kit, { nameId: REGISTERED_AT_IDP });
  return attackCase(kit, signed.replace(`>${REGISTERED_AT_IDP}<`, `>${TRUNCATED}<!---->.attacker.com<`), { attackerIdentity: TRUNCATED });
}

/**
 * The same with a processing instruction carrying the rest of the name: xml-crypto 6.3
 * canonicalizes the PI's data as text, so the signature still verifies, while the DOM text of
 * NameID (PIs are not text) is admin@evil.com.
 */
export function processingInstructionInjectionInNameId(kit: AttackKit): AttackCase {
  const signed = assertionSigned(kit, { nameId: REGISTERED_AT_IDP });
  return attackCase(kit, signed.replace(`>${REGISTERED_AT_IDP}<`, `>${TRUNCATED}<?x .attacker.com?><`), { attackerIdentity: TRUNCATED });
}

// --- Signatures -----------------------------------------------------------------------------------

/** Both signatures removed and the NameID changed. */
export function strippedSignature(kit: AttackKit): AttackCase {
  const xml = edit(stripSignatures(validBothSigned(kit).xml!), ({ nameId }) => setText(nameId, VICTIM));
  return attackCase(kit, xml, { attackerIdentity: VICTIM });
}

/** The attacker edits the NameID and signs both elements with their own key, their certificate in KeyInfo. */
export function attackerKeyInfoCertificate(kit: AttackKit): AttackCase {
  const xml = edit(stripSignatures(assertionSigned(kit)), ({ nameId }) => setText(nameId, VICTIM));
  return attackCase(kit, resign(xml, kit.attacker, { assertion: true, response: true }), { attackerIdentity: VICTIM });
}

/** Signed with the attacker's key, with the IdP's (pinned) certificate copied into KeyInfo. */
export function attackerKeyWithPinnedCertificateInKeyInfo(kit: AttackKit): AttackCase {
  const xml = edit(stripSignatures(assertionSigned(kit)), ({ nameId }) => setText(nameId, VICTIM));
  return attackCase(kit, resign(xml, kit.attacker, { assertion: true, response: true }, { keyInfoCertificatePem: kit.idp.certificatePem }), { attackerIdentity: VICTIM });
}

/** A valid signature by a key that is not pinned, with no KeyInfo at all. */
export function unpinnedKeySignature(kit: AttackKit): AttackCase {
  const xml = edit(stripSignatures(assertionSigned(kit)), ({ nameId }) => setText(nameId, VICTIM));
  return attackCase(kit, resign(xml, kit.attacker, { assertion: true, response: false }, { keyInfoCertificatePem: null }), { attackerIdentity: VICTIM });
}

/** NameID text changed after the IdP signed both elements. */
export function modifiedNameIdAfterSigning(kit: AttackKit): AttackCase {
  return attackCase(kit, edit(validBothSigned(kit).xml!, ({ nameId }) => setText(nameId, VICTIM)), { attackerIdentity: VICTIM });
}

/** The IdP signs with RSA-SHA1 (SHA-256 digest). */
export function sha1SignatureAlgorithm(kit: AttackKit): AttackCase {
  return attackCase(kit, resign(assertionSigned(kit), kit.idp, { assertion: true, response: false }, { signatureAlgorithm: ALGORITHMS.rsaSha1 }));
}

/** The IdP signs with RSA-SHA256 over a SHA-1 digest. */
export function sha1DigestAlgorithm(kit: AttackKit): AttackCase {
  return attackCase(kit, resign(assertionSigned(kit), kit.idp, { assertion: true, response: false }, { digestAlgorithm: ALGORITHMS.sha1 }));
}

/** The first ds:<localName> under the assertion's signature (a SignedInfo part or the SignatureValue). */
function assertionSignaturePart(parts: ResponseParts, localName: string): Element {
  const found = firstSignature(parts.assertion).getElementsByTagNameNS(NS.ds, localName)[0];
  if (!found) throw new Error(`no ds:${localName} in the assertion's signature`);
  return found;
}

/** SignatureMethod Algorithm="constructor": a name every plain object has, which no allow-list may find. */
export function signatureMethodNamedConstructor(kit: AttackKit): AttackCase {
  return attackCase(kit, edit(assertionSigned(kit), (parts) => assertionSignaturePart(parts, 'SignatureMethod').setAttribute('Algorithm', 'constructor')));
}

/** DigestMethod Algorithm="__proto__", the same for the digest allow-list. */
export function digestMethodNamedProto(kit: AttackKit): AttackCase {
  return attackCase(kit, edit(assertionSigned(kit), (parts) => assertionSignaturePart(parts, 'DigestMethod').setAttribute('Algorithm', '__proto__')));
}

/** A forged signature whose CanonicalizationMethod lists 400 InclusiveNamespaces prefixes: exclusive C14N would cost prefixes × declarations. */
export function inclusiveNamespacesFlood(kit: AttackKit): AttackCase {
  return attackCase(
    kit,
    edit(assertionSigned(kit), (parts) => {
      const method = assertionSignaturePart(parts, 'CanonicalizationMethod');
      const list = parts.doc.createElementNS('http://www.w3.org/2001/10/xml-exc-c14n#', 'ec:InclusiveNamespaces');
      list.setAttribute('PrefixList', Array.from({ length: 400 }, (_, i) => `p${i}`).join(' '));
      method.appendChild(list);
    }),
  );
}

/** The genuine SignatureValue split into a text node and a CDATA section: not one base64 value. */
export function signatureValueSplit(kit: AttackKit): AttackCase {
  return attackCase(
    kit,
    edit(assertionSigned(kit), (parts) => {
      const value = assertionSignaturePart(parts, 'SignatureValue');
      const text = value.textContent ?? '';
      setText(value, text.slice(0, 8));
      value.appendChild(parts.doc.createCDATASection(text.slice(8)));
    }),
  );
}

/** The IdP signs an assertion without Conditions, so without any AudienceRestriction naming us. */
export function assertionWithoutConditions(kit: AttackKit): AttackCase {
  return attackCase(kit, idpSignedEdit(kit, ({ assertion, conditions }) => assertion.removeChild(conditions)));
}

/** A copy of the assertion's signature placed in samlp:Extensions. */
export function signatureInExtensions(kit: AttackKit): AttackCase {
  return attackCase(
    kit,
    edit(assertionSigned(kit), (parts) => addExtensions(parts).appendChild(firstSignature(parts.assertion).cloneNode(true))),
  );
}

/** The assertion's signature moved up to the response (its Reference still names the assertion); the assertion is edited. */
export function assertionSignatureMovedToResponse(kit: AttackKit): AttackCase {
  const xml = edit(assertionSigned(kit), ({ response, responseIssuer, assertion, nameId }) => {
    const signature = firstSignature(assertion);
    response.insertBefore(signature, responseIssuer.nextSibling);
    setText(nameId, VICTIM);
  });
  return attackCase(kit, xml, { attackerIdentity: VICTIM });
}

/** The response's signature moved into the assertion: its Reference URI names the Response, not its parent. */
export function signatureReferencingAnotherElement(kit: AttackKit): AttackCase {
  const xml = edit(unsignedAssertionInSignedResponse(kit).xml!, ({ response, assertion, assertionIssuer }) => {
    const signature = children(response, NS.ds, 'Signature')[0]!;
    assertion.insertBefore(signature, assertionIssuer.nextSibling);
  });
  return attackCase(kit, xml);
}

/** The assertion's Signature moved to the end of the Assertion: still enveloped, and detaching it restores what was signed. Accepted. */
export function signatureMovedToEndOfAssertion(kit: AttackKit): AttackCase {
  const xml = edit(assertionSigned(kit), ({ assertion }) => assertion.appendChild(firstSignature(assertion)));
  return attackCase(kit, xml, { signedIdentity: { nameId: USER, attributes: ATTRIBUTES } });
}

/** The assertion's Signature moved into its Subject: still inside what it covers, but not on it. */
export function signatureMovedIntoSubject(kit: AttackKit): AttackCase {
  return attackCase(kit, edit(assertionSigned(kit), ({ assertion, subject }) => subject.appendChild(firstSignature(assertion))));
}

const EXTRA_NAMESPACE = 'urn:example:extension';

/** The IdP declares a prefix on the Response and lists it in the Reference's InclusiveNamespaces PrefixList: the canonical assertion carries the ancestor's declaration. */
function signedWithInclusiveNamespace(kit: AttackKit): string {
  const unsigned = edit(stripSignatures(assertionSigned(kit)), ({ response }) => response.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns:ext', EXTRA_NAMESPACE));
  return resign(unsigned, kit.idp, { assertion: true, response: false }, { referencePrefixList: ['ext', 'xs'] });
}

/** An assertion signed with an InclusiveNamespaces PrefixList naming a prefix the Response declares. Accepted. */
export function inclusiveNamespacesFromAncestor(kit: AttackKit): AttackCase {
  return attackCase(kit, signedWithInclusiveNamespace(kit), { signedIdentity: { nameId: USER, attributes: ATTRIBUTES } });
}

/** The same, with the (unsigned) Response's declaration of the listed prefix changed after signing: it was part of what the assertion's digest covers. */
export function inclusiveNamespaceRebound(kit: AttackKit): AttackCase {
  const xml = signedWithInclusiveNamespace(kit).replace(`xmlns:ext="${EXTRA_NAMESPACE}"`, 'xmlns:ext="urn:example:attacker"');
  if (!xml.includes('urn:example:attacker')) throw new Error('namespace declaration not found');
  return attackCase(kit, xml);
}

/** Both signed by the IdP; the NameID then edited and the Response signed again: the Response's signature holds, the assertion's does not. */
export function bothSignedAssertionSignatureBroken(kit: AttackKit): AttackCase {
  const edited = edit(validBothSigned(kit).xml!, ({ response, nameId }) => {
    response.removeChild(firstSignature(response));
    setText(nameId, VICTIM);
  });
  return attackCase(kit, signWith(edited, parseXml(edited).documentElement!.getAttribute('ID')!, kit.idp), { attackerIdentity: VICTIM });
}

/** Both signed by the IdP; the Response's IssueInstant edited afterwards: the assertion's signature holds, the Response's does not. */
export function bothSignedResponseSignatureBroken(kit: AttackKit): AttackCase {
  return attackCase(kit, edit(validBothSigned(kit).xml!, ({ response }) => response.setAttribute('IssueInstant', iso(kit.now - 60_000))));
}

// --- Protocol checks --------------------------------------------------------------------------------

/** A response the IdP addressed to another SP's ACS (Destination and Recipient). */
export function wrongDestination(kit: AttackKit): AttackCase {
  return attackCase(kit, assertionSigned(kit, { destination: OTHER_ACS_URL }));
}

/** Destination is ours, the signed SubjectConfirmationData Recipient is another ACS. */
export function wrongRecipient(kit: AttackKit): AttackCase {
  return attackCase(kit, idpSignedEdit(kit, ({ subjectConfirmationData }) => subjectConfirmationData.setAttribute('Recipient', OTHER_ACS_URL)));
}

/** A response for another SP of the same IdP, with the (unsigned) response Destination rewritten to ours. */
export function responseForAnotherSpWithRewrittenDestination(kit: AttackKit): AttackCase {
  const forOther = assertionSigned(kit, { destination: OTHER_ACS_URL, audience: OTHER_SP_ENTITY_ID });
  return attackCase(kit, edit(forOther, ({ response }) => response.setAttribute('Destination', ACS_URL)));
}

/** The assertion is for another SP (Audience). */
export function wrongAudience(kit: AttackKit): AttackCase {
  return attackCase(kit, assertionSigned(kit, { audience: OTHER_SP_ENTITY_ID }));
}

/** The Response Issuer is another entity (say another tenant signing with the same key). */
export function wrongResponseIssuer(kit: AttackKit): AttackCase {
  return attackCase(kit, resign(edit(assertionSigned(kit), ({ responseIssuer }) => setText(responseIssuer, OTHER_IDP_ENTITY_ID)), kit.idp, { assertion: true, response: true }));
}

/** The Assertion Issuer is another entity, signed with the pinned key (multi-tenant IdP sharing a key). */
export function wrongAssertionIssuer(kit: AttackKit): AttackCase {
  return attackCase(kit, idpSignedEdit(kit, ({ assertionIssuer }) => setText(assertionIssuer, OTHER_IDP_ENTITY_ID)));
}

/** The response answers another AuthnRequest. */
export function wrongInResponseTo(kit: AttackKit): AttackCase {
  return attackCase(kit, assertionSigned(kit, { inResponseTo: '_another-request' }));
}

/** A solicited response (InResponseTo present) presented where an IdP-initiated login is expected. */
export function inResponseToOnIdpInitiated(kit: AttackKit): AttackCase {
  return attackCase(kit, assertionSigned(kit), { expect: { inResponseTo: null } });
}

/** An unsolicited response (no InResponseTo) presented to an SP-initiated transaction. */
export function missingInResponseToOnSpInitiated(kit: AttackKit): AttackCase {
  return attackCase(kit, assertionSigned(kit, { inResponseTo: null }));
}

/** An unsolicited assertion whose (unsigned) response envelope gets our request's ID added. */
export function inResponseToAddedToUnsignedResponse(kit: AttackKit): AttackCase {
  return attackCase(kit, edit(assertionSigned(kit, { inResponseTo: null }), ({ response }) => response.setAttribute('InResponseTo', REQUEST_ID)));
}

/** A bare signed Assertion posted where a samlp:Response is expected. */
export function notAResponse(kit: AttackKit): AttackCase {
  const assertion = responseParts(parseXml(assertionSigned(kit))).assertion;
  return attackCase(kit, serializeXml(parseXml(assertion.toString())));
}

/** A Response with Version="1.1" (the response is not signed; the assertion is). */
export function wrongResponseVersion(kit: AttackKit): AttackCase {
  return attackCase(kit, edit(assertionSigned(kit), ({ response }) => response.setAttribute('Version', '1.1')));
}

/** An assertion with Version="1.1", signed by the IdP. */
export function wrongAssertionVersion(kit: AttackKit): AttackCase {
  return attackCase(kit, idpSignedEdit(kit, ({ assertion }) => assertion.setAttribute('Version', '1.1')));
}

/** The IdP signs an assertion whose Subject has no NameID. */
export function missingNameId(kit: AttackKit): AttackCase {
  return attackCase(kit, idpSignedEdit(kit, ({ subject, nameId }) => subject.removeChild(nameId)));
}

/** The IdP signs an assertion without AuthnStatement. */
export function missingAuthnStatement(kit: AttackKit): AttackCase {
  return attackCase(
    kit,
    idpSignedEdit(kit, ({ assertion }) => assertion.removeChild(child(assertion, NS.saml, 'AuthnStatement'))),
  );
}

// --- Time -------------------------------------------------------------------------------------------

const BEYOND_SKEW_MS = 10 * 60_000;
const WITHIN_SKEW_MS = CLOCK_SKEW_MS / 2;

/** SubjectConfirmationData NotOnOrAfter in the past by more than the skew (Conditions still valid). */
export function subjectConfirmationExpired(kit: AttackKit): AttackCase {
  return attackCase(kit, idpSignedEdit(kit, ({ subjectConfirmationData }) => subjectConfirmationData.setAttribute('NotOnOrAfter', iso(kit.now - BEYOND_SKEW_MS))));
}

/** The same expired bearer confirmation on an IdP-initiated response (no InResponseTo anywhere). */
export function subjectConfirmationExpiredIdpInitiated(kit: AttackKit): AttackCase {
  const xml = resign(
    edit(stripSignatures(assertionSigned(kit, { inResponseTo: null })), ({ subjectConfirmationData }) => subjectConfirmationData.setAttribute('NotOnOrAfter', iso(kit.now - BEYOND_SKEW_MS))),
    kit.idp,
    { assertion: true, response: false },
  );
  return attackCase(kit, xml, { expect: { inResponseTo: null } });
}

/** SubjectConfirmationData NotOnOrAfter in the past by less than the skew: accepted. */
export function subjectConfirmationExpiredWithinSkew(kit: AttackKit): AttackCase {
  return attackCase(kit, idpSignedEdit(kit, ({ subjectConfirmationData }) => subjectConfirmationData.setAttribute('NotOnOrAfter', iso(kit.now - WITHIN_SKEW_MS))), {
    signedIdentity: { nameId: USER, attributes: ATTRIBUTES },
  });
}

/** Conditions NotOnOrAfter in the past by more than the skew (SubjectConfirmationData still valid). */
export function conditionsExpired(kit: AttackKit): AttackCase {
  return attackCase(kit, idpSignedEdit(kit, ({ conditions }) => conditions.setAttribute('NotOnOrAfter', iso(kit.now - BEYOND_SKEW_MS))));
}

/** Conditions NotOnOrAfter in the past by less than the skew: accepted. */
export function conditionsExpiredWithinSkew(kit: AttackKit): AttackCase {
  return attackCase(kit, idpSignedEdit(kit, ({ conditions }) => conditions.setAttribute('NotOnOrAfter', iso(kit.now - WITHIN_SKEW_MS))), {
    signedIdentity: { nameId: USER, attributes: ATTRIBUTES },
  });
}

/** Conditions NotBefore in the future by more than the skew. */
export function notYetValid(kit: AttackKit): AttackCase {
  return attackCase(kit, idpSignedEdit(kit, ({ conditions }) => conditions.setAttribute('NotBefore', iso(kit.now + BEYOND_SKEW_MS))));
}

/** Conditions NotBefore in the future by less than the skew: accepted. */
export function notYetValidWithinSkew(kit: AttackKit): AttackCase {
  return attackCase(kit, idpSignedEdit(kit, ({ conditions }) => conditions.setAttribute('NotBefore', iso(kit.now + WITHIN_SKEW_MS))), {
    signedIdentity: { nameId: USER, attributes: ATTRIBUTES },
  });
}

/** The assertion's Subject has a NameID but no SubjectConfirmation. */
export function missingSubjectConfirmation(kit: AttackKit): AttackCase {
  return attackCase(kit, idpSignedEdit(kit, ({ subject, subjectConfirmation }) => subject.removeChild(subjectConfirmation)));
}

/** The only SubjectConfirmation is sender-vouches, not bearer. */
export function missingBearerMethod(kit: AttackKit): AttackCase {
  return attackCase(kit, idpSignedEdit(kit, ({ subjectConfirmation }) => subjectConfirmation.setAttribute('Method', 'urn:oasis:names:tc:SAML:2.0:cm:sender-vouches')));
}

/** The bearer SubjectConfirmationData has no NotOnOrAfter (the assertion could be presented forever). */
export function missingNotOnOrAfter(kit: AttackKit): AttackCase {
  return attackCase(kit, idpSignedEdit(kit, ({ subjectConfirmationData }) => subjectConfirmationData.removeAttribute('NotOnOrAfter')));
}

// --- Status -----------------------------------------------------------------------------------------

/** A Responder/AuthnFailed status on a response that still carries a validly signed assertion. */
export function nonSuccessStatus(kit: AttackKit): AttackCase {
  return attackCase(
    kit,
    edit(assertionSigned(kit), ({ doc, status }) => {
      const code = child(status, NS.samlp, 'StatusCode');
      code.setAttribute('Value', 'urn:oasis:names:tc:SAML:2.0:status:Responder');
      const nested = doc.createElementNS(NS.samlp, 'samlp:StatusCode');
      nested.setAttribute('Value', 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed');
      code.appendChild(nested);
    }),
  );
}

// --- XML: DTDs and entities -------------------------------------------------------------------------

function withDoctype(xml: string, doctype: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${doctype}\n${xml}`;
}

/** A DOCTYPE that declares nothing and is used by nothing, on an otherwise valid response. */
export function unusedDoctype(kit: AttackKit): AttackCase {
  return attackCase(kit, withDoctype(assertionSigned(kit), '<!DOCTYPE samlp:Response>'));
}

/** An internal entity expanded inside NameID. */
export function internalEntity(kit: AttackKit): AttackCase {
  const xml = assertionSigned(kit).replace(`>${USER}<`, '>&who;<');
  return attackCase(kit, withDoctype(xml, `<!DOCTYPE samlp:Response [<!ENTITY who "${VICTIM}">]>`), { attackerIdentity: VICTIM });
}

/** A parameter entity in the internal subset (unused by the document body). */
export function parameterEntity(kit: AttackKit): AttackCase {
  return attackCase(kit, withDoctype(assertionSigned(kit), `<!DOCTYPE samlp:Response [<!ENTITY % p "<!ENTITY q 'x'>"> %p;]>`));
}

/** An external entity (XXE) reading /etc/passwd into NameID. */
export function externalEntity(kit: AttackKit): AttackCase {
  const xml = assertionSigned(kit).replace(`>${USER}<`, '>&xxe;<');
  return attackCase(kit, withDoctype(xml, '<!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'));
}

/** Nested entity expansion ("billion laughs"). */
export function billionLaughs(kit: AttackKit): AttackCase {
  const entities = ['<!ENTITY l0 "ha">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`)].join('');
  const xml = assertionSigned(kit).replace(`>${USER}<`, '>&l9;<');
  return attackCase(kit, withDoctype(xml, `<!DOCTYPE samlp:Response [${entities}]>`));
}

// --- Size, encoding, structure ------------------------------------------------------------------------

/** An otherwise valid response padded (inside Extensions, outside the signed assertion) to exactly `bytes` bytes of XML. */
function paddedTo(kit: AttackKit, bytes: number): string {
  const marker = 'PADDING';
  const template = edit(assertionSigned(kit), (parts) => {
    const pad = parts.doc.createElementNS('urn:example:padding', 'pad:Padding');
    pad.appendChild(parts.doc.createTextNode(marker));
    addExtensions(parts).appendChild(pad);
  });
  const missing = bytes - Buffer.byteLength(template, 'utf8') + marker.length;
  if (missing < 0) throw new Error(`cannot pad to ${bytes} bytes`);
  const xml = template.replace(marker, 'x'.repeat(missing));
  if (Buffer.byteLength(xml, 'utf8') !== bytes) throw new Error('padding went wrong');
  return xml;
}

/** A 1.2 MB response. */
export function oversizedMessage(kit: AttackKit): AttackCase {
  return attackCase(kit, paddedTo(kit, 1_200_000));
}

/** A response one byte over the 256 KiB cap. */
export function messageJustOverSizeLimit(kit: AttackKit): AttackCase {
  return attackCase(kit, paddedTo(kit, MAX_RESPONSE_BYTES + 1));
}

/**
 * A valid response of 252 KiB (under the 256 KiB cap), base64-encoded in 76-character lines with
 * CRLF, as MIME-style encoders (OpenSAML's chunked Base64, Java's MIME encoder) produce it.
 */
export function lineWrappedBase64UnderSizeLimit(kit: AttackKit): AttackCase {
  const xml = paddedTo(kit, 252 * 1024);
  const samlResponse = Buffer.from(xml, 'utf8').toString('base64').match(/.{1,76}/g)!.join('\r\n');
  return { samlResponse, xml, expectations: expectations(kit), signedIdentity: { nameId: USER, attributes: ATTRIBUTES } };
}

/** Raw XML posted where base64 is required. */
export function notBase64(kit: AttackKit): AttackCase {
  const xml = assertionSigned(kit);
  return { samlResponse: xml, xml, expectations: expectations(kit) };
}

/** Two assertions, both validly signed by the IdP, one for the victim. */
export function twoAssertions(kit: AttackKit): AttackCase {
  const unsigned = edit(stripSignatures(assertionSigned(kit)), ({ response, assertion }) => {
    const second = assertion.cloneNode(true) as Element;
    second.setAttribute('ID', newSamlId());
    makeEvil(second);
    response.appendChild(second);
  });
  const doc = parseXml(unsigned);
  const ids = Array.from(doc.getElementsByTagNameNS(NS.saml, 'Assertion')).map((a) => a.getAttribute('ID')!);
  const xml = ids.reduce((out, id) => signWith(out, id, kit.idp), unsigned);
  return attackCase(kit, xml, { attackerIdentity: VICTIM });
}

/** An EncryptedAssertion (in a signed response) instead of a plain one. */
export function encryptedAssertion(kit: AttackKit): AttackCase {
  const unsigned = edit(stripSignatures(assertionSigned(kit)), ({ doc, response, assertion }) => {
    const encrypted = doc.createElementNS(NS.saml, 'saml:EncryptedAssertion');
    const data = doc.createElementNS('http://www.w3.org/2001/04/xmlenc#', 'xenc:EncryptedData');
    data.setAttribute('Type', 'http://www.w3.org/2001/04/xmlenc#Element');
    const method = doc.createElementNS('http://www.w3.org/2001/04/xmlenc#', 'xenc:EncryptionMethod');
    method.setAttribute('Algorithm', 'http://www.w3.org/2009/xmlenc11#aes256-gcm');
    const cipherData = doc.createElementNS('http://www.w3.org/2001/04/xmlenc#', 'xenc:CipherData');
    const cipherValue = doc.createElementNS('http://www.w3.org/2001/04/xmlenc#', 'xenc:CipherValue');
    cipherValue.appendChild(doc.createTextNode(randomBytes(256).toString('base64')));
    cipherData.appendChild(cipherValue);
    data.appendChild(method);
    data.appendChild(cipherData);
    encrypted.appendChild(data);
    response.replaceChild(encrypted, assertion);
  });
  const responseId = parseXml(unsigned).documentElement!.getAttribute('ID')!;
  return attackCase(kit, signWith(unsigned, responseId, kit.idp));
}

/** An element in Extensions reusing the signed assertion's ID. */
export function duplicateIds(kit: AttackKit): AttackCase {
  return attackCase(
    kit,
    edit(assertionSigned(kit), (parts) => {
      const marker = parts.doc.createElementNS('urn:example:ext', 'ext:Marker');
      marker.setAttribute('ID', parts.assertion.getAttribute('ID')!);
      addExtensions(parts).appendChild(marker);
    }),
  );
}

/** 10,000 nested elements in Extensions (about 150 KB, under the size cap). */
export function deeplyNestedElements(kit: AttackKit, depth = 10_000): AttackCase {
  const marker = '<ext:Deep xmlns:ext="urn:example:ext"/>';
  const template = edit(assertionSigned(kit), (parts) => addExtensions(parts).appendChild(parts.doc.createElementNS('urn:example:ext', 'ext:Deep')));
  const nested = `<ext:Deep xmlns:ext="urn:example:ext">${'<ext:d>'.repeat(depth)}${'</ext:d>'.repeat(depth)}</ext:Deep>`;
  if (!template.includes(marker)) throw new Error('nesting marker not found');
  return attackCase(kit, template.replace(marker, nested));
}

/**
 * CPU exhaustion within the size cap: a response signed by an unpinned key whose Extensions hold
 * many empty elements (30,000 by default, about 125 KB; 60,000 fill the 256 KiB cap). No valid
 * signature is needed: xml-crypto searches the whole document for the referenced ID and
 * canonicalizes before it checks the SignatureValue, once per pinned certificate.
 */
export function manyElementsCpuExhaustion(kit: AttackKit, elements = 30_000): AttackCase {
  const marker = '<ext:Many xmlns:ext="urn:example:ext"/>';
  const forged = resign(edit(stripSignatures(assertionSigned(kit)), ({ nameId }) => setText(nameId, VICTIM)), kit.attacker, { assertion: true, response: false }, { keyInfoCertificatePem: null });
  const template = edit(forged, (parts) => addExtensions(parts).appendChild(parts.doc.createElementNS('urn:example:ext', 'ext:Many')));
  const many = `<ext:Many xmlns:ext="urn:example:ext">${'<e/>'.repeat(elements)}</ext:Many>`;
  const xml = template.replace(marker, many);
  if (Buffer.byteLength(xml, 'utf8') > MAX_RESPONSE_BYTES) throw new Error(`${elements} elements do not fit under the size cap`);
  return attackCase(kit, xml, { attackerIdentity: VICTIM });
}
