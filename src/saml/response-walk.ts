import type { Document, Element, Node } from '@xmldom/xmldom';
import { childElements, NS } from './xml.js';

/**
 * What one pass over a parsed Response finds: everything the checks need to look at the whole
 * document for, so that no check (and no library) searches it again.
 */
export interface ResponseFacts {
  readonly document: Document;
  readonly response: Element;
  /** Whether the message holds an XML comment or processing instruction anywhere. */
  readonly hasCommentOrProcessingInstruction: boolean;
  /** The first ID, Id or id value met a second time, or null. */
  readonly repeatedId: string | null;
  /** Every ds:Signature, in document order. */
  readonly signatures: readonly Element[];
  /** Every saml:Assertion, wherever it sits, in document order. */
  readonly assertions: readonly Element[];
  readonly hasEncryptedAssertion: boolean;
  /** Unverified routing facts: the Response's Issuer (else the first assertion's), and its InResponseTo. */
  readonly issuer: string | null;
  readonly inResponseTo: string | null;
}

const ID_ATTRIBUTES = ['ID', 'Id', 'id'] as const;

/**
 * Visits every node once, iteratively (the pre-scan bounded depth and node count before the DOM
 * existed, so this is linear in a small number).
 */
export function walkResponse(document: Document): ResponseFacts {
  const response = document.documentElement!;
  const seenIds = new Set<string>();
  const signatures: Element[] = [];
  const assertions: Element[] = [];
  let repeatedId: string | null = null;
  let hasCommentOrProcessingInstruction = false;
  let hasEncryptedAssertion = false;
  // Depth-first in document order: children are pushed last-first.
  const stack: Node[] = [response];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.nodeType === 7 || node.nodeType === 8) hasCommentOrProcessingInstruction = true;
    if (node.nodeType !== 1) continue;
    const element = node as Element;
    for (const name of ID_ATTRIBUTES) {
      const value = element.getAttribute(name);
      if (!value) continue;
      if (seenIds.has(value)) repeatedId ??= value;
      seenIds.add(value);
    }
    if (element.namespaceURI === NS.ds && element.localName === 'Signature') signatures.push(element);
    else if (element.namespaceURI === NS.saml && element.localName === 'Assertion') assertions.push(element);
    else if (element.namespaceURI === NS.saml && element.localName === 'EncryptedAssertion') hasEncryptedAssertion = true;
    for (let child = element.lastChild; child; child = child.previousSibling) stack.push(child);
  }
  return {
    document,
    response,
    hasCommentOrProcessingInstruction,
    repeatedId,
    signatures,
    assertions,
    hasEncryptedAssertion,
    issuer: issuerText(response) ?? issuerText(childElements(response, NS.saml, 'Assertion')[0]),
    inResponseTo: response.getAttribute('InResponseTo') || null,
  };
}

function issuerText(element: Element | undefined): string | null {
  const issuer = element && childElements(element, NS.saml, 'Issuer')[0];
  return issuer ? (issuer.textContent?.trim() ?? null) : null;
}
