import { createHash, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { C14nCanonicalization, ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { findAncestorNsForElement } from 'xml-crypto/lib/utils.js';
import { verificationKeyOf } from './certificates.js';
import { childElements, NS } from './xml.js';

/**
 * XML-DSig verification of one enveloped signature on the DOM node in hand, with xml-crypto's
 * canonicalizers (the same code, with the same options, that its SignedXml.checkSignature runs)
 * but without its XPath searches, re-parses and deep clones. What the signature may be (algorithms,
 * the one Reference to its parent, transforms) is checked before this runs (saml-checks.ts).
 */

export const ALGORITHMS = {
  // Maps, not object literals: an Algorithm such as "constructor" must not find a prototype member.
  signature: new Map([
    ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'sha256'],
    ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha384', 'sha384'],
    ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha512', 'sha512'],
  ]) as ReadonlyMap<string, string>,
  digest: new Map([
    ['http://www.w3.org/2001/04/xmlenc#sha256', 'sha256'],
    ['http://www.w3.org/2001/04/xmldsig-more#sha384', 'sha384'],
    ['http://www.w3.org/2001/04/xmlenc#sha512', 'sha512'],
  ]) as ReadonlyMap<string, string>,
  exclusiveC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  envelopedSignature: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

/** The parts of a ds:Signature the checks and the verification read, each found once. */
export interface SignatureParts {
  readonly signature: Element;
  /** The element the signature sits in: the one it must cover. */
  readonly enveloping: Element;
  readonly signedInfos: readonly Element[];
  readonly signatureMethod: string | null;
  readonly canonicalizationMethod: string | null;
  readonly references: readonly Element[];
  readonly digestMethod: string | null;
  /** The Algorithm of each Transform of the (first) Reference, in order. */
  readonly transforms: readonly string[];
  /** The InclusiveNamespaces PrefixList of its last Transform (read as xml-crypto reads it). */
  readonly prefixList: readonly string[];
  /**
   * Every InclusiveNamespaces PrefixList attribute under SignedInfo (its CanonicalizationMethod's
   * and each Transform's), as written: checked before any canonicalizer reads one.
   */
  readonly prefixListAttributes: readonly string[];
}

const algorithmOf = (parent: Element | undefined, localName: string) => (parent && childElements(parent, NS.ds, localName)[0]?.getAttribute('Algorithm')) ?? null;

/** Children by local name in any namespace, as xml-crypto's findChildren matches them. */
function localChildren(parent: Element, localName: string): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).localName === localName) out.push(node as Element);
  }
  return out;
}

export function readSignature(signature: Element, enveloping: Element): SignatureParts {
  const signedInfos = childElements(signature, NS.ds, 'SignedInfo');
  const signedInfo = signedInfos[0];
  const references = signedInfo ? childElements(signedInfo, NS.ds, 'Reference') : [];
  const reference = references[0];
  const transforms = reference ? childElements(childElements(reference, NS.ds, 'Transforms')[0] ?? reference, NS.ds, 'Transform') : [];
  const last = transforms[transforms.length - 1];
  const canonicalizationMethod = signedInfo && childElements(signedInfo, NS.ds, 'CanonicalizationMethod')[0];
  const prefixListAttributes = [...(canonicalizationMethod ? [canonicalizationMethod] : []), ...transforms]
    .flatMap((parent) => localChildren(parent, 'InclusiveNamespaces'))
    .map((namespaces) => namespaces.getAttribute('PrefixList') ?? '');
  return {
    signature,
    enveloping,
    signedInfos,
    signatureMethod: algorithmOf(signedInfo, 'SignatureMethod'),
    canonicalizationMethod: algorithmOf(signedInfo, 'CanonicalizationMethod'),
    references,
    digestMethod: algorithmOf(reference, 'DigestMethod'),
    transforms: transforms.map((t) => t.getAttribute('Algorithm') ?? ''),
    prefixList: last
      ? localChildren(last, 'InclusiveNamespaces')
          .flatMap((n) => (n.getAttribute('PrefixList') ?? '').split(' '))
          .filter((prefix) => prefix.length > 0)
      : [],
    prefixListAttributes,
  };
}

/** xmldom builds the DOM xml-crypto works on (it depends on xmldom itself); this guard tells TypeScript so. */
const isDomElement = (node: unknown): node is globalThis.Element => typeof node === 'object' && node !== null && (node as { nodeType?: unknown }).nodeType === 1;

function domElement(element: Element): globalThis.Element {
  if (!isDomElement(element)) throw new Error('not an element');
  return element;
}

const exclusiveC14n = new ExclusiveCanonicalization();
const inclusiveC14n = new C14nCanonicalization();

/**
 * Exclusive C14N of `element` as xml-crypto computes it. With an InclusiveNamespaces PrefixList,
 * xml-crypto's canonicalizer declares the listed prefixes that ancestors bind on the element it is
 * given (it mutates it; xml-crypto always hands it a deep clone), so in that rare case this
 * canonicalizes a clone too; otherwise the node itself, unchanged.
 */
function canonicalizeExclusive(element: Element, prefixList: readonly string[]): string {
  const declaresPrefixes = hasPrefixList(element, prefixList);
  const options = {
    defaultNsForPrefix: SignedXml.defaultNsForPrefix,
    ...(prefixList.length > 0 && { inclusiveNamespacesPrefixList: [...prefixList] }),
    ...(declaresPrefixes && { ancestorNamespaces: findAncestorNsForElement(domElement(element)) }),
  };
  const target = declaresPrefixes ? domElement(element).cloneNode(true) : domElement(element);
  if (!isDomElement(target)) throw new Error('not an element');
  return exclusiveC14n.process(target, options);
}

/** Whether exc-c14n of this element would read an InclusiveNamespaces PrefixList (given, or in a CanonicalizationMethod child). */
function hasPrefixList(element: Element, prefixList: readonly string[]): boolean {
  if (prefixList.length > 0) return true;
  return localChildren(element, 'CanonicalizationMethod').some((method) => localChildren(method, 'InclusiveNamespaces').length > 0);
}

/**
 * The referenced element after its transforms: the enveloped-signature transform by detaching the
 * Signature for the time of the canonicalization (then putting it back where it was), exclusive
 * C14N if listed, else inclusive C14N (XML-DSig §4.3.3.2: a node-set left at the end is converted
 * with C14N 1.0).
 */
function canonicalReferencedElement(parts: SignatureParts): string {
  const { signature, enveloping, transforms, prefixList } = parts;
  const parent = signature.parentNode;
  const next = signature.nextSibling;
  const detach = transforms.includes(ALGORITHMS.envelopedSignature) && parent !== null;
  if (detach) parent.removeChild(signature);
  try {
    if (transforms.includes(ALGORITHMS.exclusiveC14n)) return canonicalizeExclusive(enveloping, prefixList);
    return inclusiveC14n.process(domElement(enveloping), { defaultNsForPrefix: SignedXml.defaultNsForPrefix, ancestorNamespaces: findAncestorNsForElement(domElement(enveloping)) });
  } finally {
    if (detach) parent.insertBefore(signature, next);
  }
}

/** RSA PKCS#1 v1.5 verification; a malformed SignatureValue is simply not a valid one. */
function verifies(hash: string, data: Buffer, key: KeyObject, signatureValue: Buffer): boolean {
  try {
    return verify(hash, data, key, signatureValue);
  } catch {
    return false;
  }
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The one SignatureValue, written as one text node of strict base64 (line breaks and spaces
 * allowed): a value split over several nodes or CDATA, or with other characters, is not a
 * signature value, so signature bytes cannot be varied around one valid signature.
 */
function signatureValueOf(signature: Element): Buffer | undefined {
  const values = childElements(signature, NS.ds, 'SignatureValue');
  const only = values.length === 1 ? values[0]!.firstChild : null;
  if (!only || only.nodeType !== 3 || only.nextSibling) return undefined;
  const compact = (only.nodeValue ?? '').replace(/[\r\n\t ]/g, '');
  return BASE64.test(compact) && compact.length % 4 === 0 ? Buffer.from(compact, 'base64') : undefined;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The pinned RSA keys (a certificate that does not parse, or holds another kind of key, verifies nothing). */
function pinnedRsaKeys(certificatesPem: readonly string[]): KeyObject[] {
  const keys: KeyObject[] = [];
  for (const pem of certificatesPem) {
    const key = verificationKeyOf(pem);
    if (key?.asymmetricKeyType === 'rsa') keys.push(key);
  }
  return keys;
}

/**
 * Core validation (XML-DSig §3.2) of a signature whose shape was checked: the SignatureValue over
 * the canonical SignedInfo with one of the pinned keys (each tried on SignedInfo, which is cheap),
 * then the digest of the referenced element, computed once. KeyInfo in the message is never read.
 */
export function verifyEnvelopedSignature(parts: SignatureParts, certificatesPem: readonly string[]): boolean {
  const signedInfo = parts.signedInfos[0]!;
  const reference = parts.references[0]!;
  const hash = ALGORITHMS.signature.get(parts.signatureMethod!)!;
  const signatureValue = signatureValueOf(parts.signature);
  if (!signatureValue) return false;
  const canonicalSignedInfo = Buffer.from(canonicalizeExclusive(signedInfo, []), 'utf8');
  if (!pinnedRsaKeys(certificatesPem).some((key) => verifies(hash, canonicalSignedInfo, key, signatureValue))) return false;

  const digestValues = childElements(reference, NS.ds, 'DigestValue');
  if (digestValues.length !== 1) return false;
  const digest = createHash(ALGORITHMS.digest.get(parts.digestMethod!)!).update(canonicalReferencedElement(parts), 'utf8').digest();
  return sameBytes(digest, Buffer.from(digestValues[0]!.textContent ?? '', 'base64'));
}
