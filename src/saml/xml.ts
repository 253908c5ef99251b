import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { XML_LIMITS, type XmlInputKind } from './xml-limits.js';
import { prescanXml } from './xml-prescan.js';

export const NS = {
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
} as const;

export const BINDINGS = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

export class XmlRejectedError extends Error {}

/**
 * Parses untrusted XML strictly: first the bounded pre-scan (size, depth, nodes, attributes,
 * references, no DTD of any kind — so no entities, no XXE, no billion laughs; SAML never needs
 * one) with the limits of this kind of input, so that no DOM is built from a hostile document;
 * then the parser, where any warning or error is fatal. This is the only way untrusted XML
 * becomes a DOM (signatures are verified on that DOM, never on a re-parse).
 */
export function parseUntrustedXml(input: string, kind: XmlInputKind): Document {
  // A UTF-8 byte order mark is legal at the start of a document; some IdPs publish one.
  const xml = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const scan = prescanXml(xml, XML_LIMITS[kind]);
  if (!scan.ok) throw new XmlRejectedError(scan.problem);
  if (!/^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*</.test(xml)) throw new XmlRejectedError('is not XML');
  // xmldom wraps whatever onError throws in its own ParseError, so note the first problem and
  // turn any failure into one XmlRejectedError naming it.
  let problem: string | undefined;
  let document: Document;
  try {
    document = new DOMParser({
      onError: (_level, message) => {
        problem ??= message;
        throw new XmlRejectedError(message);
      },
    }).parseFromString(xml, 'text/xml');
  } catch (error) {
    const message = problem ?? (error instanceof Error ? error.message : String(error));
    throw new XmlRejectedError(`is not well-formed XML (${message.split('\n')[0]?.slice(0, 160)})`);
  }
  if (!document.documentElement) throw new XmlRejectedError('is not XML');
  return document;
}

export function childElements(parent: Element, namespace: string, localName: string): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1) {
      const element = node as Element;
      if (element.namespaceURI === namespace && element.localName === localName) out.push(element);
    }
  }
  return out;
}

export function descendantElements(parent: Element | Document, namespace: string, localName: string): Element[] {
  return Array.from(parent.getElementsByTagNameNS(namespace, localName));
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
