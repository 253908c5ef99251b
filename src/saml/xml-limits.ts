/**
 * How much XML each untrusted input may contain, checked by the pre-scan (xml-prescan.ts) before
 * any DOM is built. docs/limits.md lists these figures (a test keeps them in sync);
 * bench/xml-limits.ts measures what the worst document within them costs.
 *
 * Why these numbers: @xmldom/xmldom spends about 1–3 µs and a kilobyte per node or attribute
 * building a DOM and canonicalization walks the signed subtree again, so the node and attribute
 * counts, not the byte size, bound the work. Real documents stay far below them: the largest IdP
 * metadata among the fixtures (ADFS) has 206 nodes and 82 attributes; a signed response has about
 * 50 nodes plus 2–3 per attribute value, so 2,000 still carries several hundred group values. A
 * response is the lowest because anyone can post one and it is the one whose signatures we verify.
 * SAML documents are at most about 10 elements deep; 32 keeps recursive code (xml-crypto's
 * exclusive canonicalizer) shallow.
 */
export interface XmlLimits {
  /** UTF-8 bytes of the document. */
  readonly maxBytes: number;
  /** Element nesting (the root element is at depth 1). */
  readonly maxDepth: number;
  /** Elements, text runs, comments, CDATA sections and processing instructions. */
  readonly maxNodes: number;
  /** Attributes of all elements together, namespace declarations included. */
  readonly maxAttributes: number;
  /** `&` character and entity references, each of which the parser has to decode. */
  readonly maxReferences: number;
  /** What the input is called in messages ("a SAML response"). */
  readonly label: string;
}

export const XML_LIMITS = {
  samlResponse: { maxBytes: 256 * 1024, maxDepth: 32, maxNodes: 2_000, maxAttributes: 2_000, maxReferences: 2_000, label: 'a SAML response' },
  idpMetadata: { maxBytes: 1024 * 1024, maxDepth: 32, maxNodes: 3_000, maxAttributes: 3_000, maxReferences: 2_000, label: 'IdP metadata' },
  spMetadata: { maxBytes: 1024 * 1024, maxDepth: 32, maxNodes: 3_000, maxAttributes: 3_000, maxReferences: 2_000, label: 'SP metadata' },
} as const satisfies Record<string, XmlLimits>;

export type XmlInputKind = keyof typeof XML_LIMITS;
