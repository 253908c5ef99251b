import type { XmlLimits } from './xml-limits.js';

/** What the pre-scan counted: never fewer than the DOM built from the same text will hold. */
export interface XmlCounts {
  bytes: number;
  /** Deepest element nesting (the root element is at depth 1). */
  depth: number;
  nodes: number;
  attributes: number;
  references: number;
}

export type XmlPrescan = { ok: true; counts: XmlCounts } | { ok: false; problem: string };

const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const AMPERSAND = '&';

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

const formatCount = (n: number) => n.toLocaleString('en-US');

/**
 * A bounded look at untrusted XML before any parser builds a DOM from it: one linear pass that
 * counts bytes, element depth, nodes, attributes and references, refuses any DTD (`<!DOCTYPE`,
 * `<!ENTITY` or any other `<!` declaration), and stops at the first limit exceeded. Its cost is
 * proportional to the length of the text with a small constant, whatever the document's shape,
 * whereas building the DOM costs microseconds and a kilobyte per node.
 *
 * This is not an XML parser and does not decide whether the text is well-formed (the parser
 * does that afterwards); it only has to be conservative: it may count more than the DOM will
 * hold, never fewer. Hence it skips quoted attribute values (they may contain `>` and `/>`),
 * skips comments, CDATA sections and processing instructions to their real ends, counts every
 * `&` as a reference and every `=` outside quotes in a tag as an attribute, and refuses what it
 * cannot count with certainty (an unterminated construct, an end tag that does not close the
 * open element, a `<` inside a tag).
 *
 * `problem` completes a sentence such as "The metadata …" and names the limit it hit.
 */
export function prescanXml(xml: string, limits: XmlLimits): XmlPrescan {
  const fail = (problem: string): XmlPrescan => ({ ok: false, problem });
  const over = (what: string, limit: number) => fail(`has more than ${formatCount(limit)} ${what} (the limit for ${limits.label})`);

  // A UTF-16 code unit is at least one UTF-8 byte, so the cheap length check comes first.
  if (xml.length > limits.maxBytes) return fail(`is larger than ${limits.maxBytes / 1024} KiB (the limit for ${limits.label})`);
  const bytes = Buffer.byteLength(xml, 'utf8');
  if (bytes > limits.maxBytes) return fail(`is larger than ${limits.maxBytes / 1024} KiB (the limit for ${limits.label})`);

  // Character and entity references, in text and attribute values alike.
  let references = 0;
  for (let at = xml.indexOf(AMPERSAND); at !== -1; at = xml.indexOf(AMPERSAND, at + 1)) {
    if (++references > limits.maxReferences) return over('character or entity references (&…;)', limits.maxReferences);
  }

  const n = xml.length;
  const open: string[] = [];
  let nodes = 0;
  let attributes = 0;
  let depth = 0;
  let deepest = 0;
  let i = 0;
  const countNode = () => ++nodes > limits.maxNodes;

  while (i < n) {
    const lt = xml.indexOf('<', i);
    // Text before the next tag (or to the end) is one text node, however it is split later.
    if (lt !== i && countNode()) return over('XML nodes', limits.maxNodes);
    if (lt === -1) break;
    const next = xml.charCodeAt(lt + 1);

    if (next === BANG) {
      if (xml.startsWith('<!--', lt)) {
        const end = xml.indexOf('-->', lt + 4);
        if (end === -1) return fail('is not well-formed XML (a comment is not closed)');
        if (countNode()) return over('XML nodes', limits.maxNodes);
        i = end + 3;
        continue;
      }
      if (xml.startsWith('<![CDATA[', lt)) {
        const end = xml.indexOf(']]>', lt + 9);
        if (end === -1) return fail('is not well-formed XML (a CDATA section is not closed)');
        if (countNode()) return over('XML nodes', limits.maxNodes);
        i = end + 3;
        continue;
      }
      // <!DOCTYPE, <!ENTITY, <!ELEMENT, <!ATTLIST…: SAML never needs a DTD (no entities, no XXE).
      return fail('contains a DTD (<!DOCTYPE or <!ENTITY), which SAML does not allow');
    }

    if (next === QUESTION) {
      const end = xml.indexOf('?>', lt + 2);
      if (end === -1) return fail('is not well-formed XML (a processing instruction is not closed)');
      if (countNode()) return over('XML nodes', limits.maxNodes);
      i = end + 2;
      continue;
    }

    if (next === SLASH) {
      // An end tag: the name of the open element, optional white space, `>`. Anything else is
      // refused so that depth can never be under-counted by a stray or mismatched end tag.
      const name = open.pop();
      if (name === undefined || !xml.startsWith(name, lt + 2)) return fail(`is not well-formed XML (an end tag at character ${lt} does not close the open element)`);
      let j = lt + 2 + name.length;
      while (j < n && isSpace(xml.charCodeAt(j))) j++;
      if (xml.charCodeAt(j) !== GT) return fail(`is not well-formed XML (an end tag at character ${lt} does not close the open element)`);
      depth--;
      i = j + 1;
      continue;
    }

    // A start tag (or an empty-element tag): the name runs to white space, `/` or `>`.
    if (countNode()) return over('XML nodes', limits.maxNodes);
    let j = lt + 1;
    while (j < n) {
      const c = xml.charCodeAt(j);
      if (isSpace(c) || c === SLASH || c === GT) break;
      if (c === LT || c === QUOTE || c === APOSTROPHE || c === EQUALS) return fail(`is not well-formed XML (a tag at character ${lt} has no name)`);
      j++;
    }
    if (j === lt + 1) return fail(`is not well-formed XML (a tag at character ${lt} has no name)`);
    const name = xml.slice(lt + 1, j);
    let selfClosing = false;
    let closed = false;
    while (j < n) {
      const c = xml.charCodeAt(j);
      if (c === QUOTE || c === APOSTROPHE) {
        const end = xml.indexOf(c === QUOTE ? '"' : "'", j + 1);
        if (end === -1) return fail(`is not well-formed XML (an attribute value in the tag at character ${lt} is not closed)`);
        j = end + 1;
        selfClosing = false;
        continue;
      }
      if (c === GT) {
        closed = true;
        break;
      }
      if (c === EQUALS && ++attributes > limits.maxAttributes) return over('attributes', limits.maxAttributes);
      if (c === LT) return fail(`is not well-formed XML (the tag at character ${lt} is not closed)`);
      selfClosing = c === SLASH;
      j++;
    }
    if (!closed) return fail(`is not well-formed XML (the tag at character ${lt} is not closed)`);
    i = j + 1;
    // An empty-element tag is one level deeper than its parent too, though it opens nothing.
    if (depth + 1 > limits.maxDepth) return fail(`is nested deeper than ${limits.maxDepth} elements (the limit for ${limits.label})`);
    deepest = Math.max(deepest, depth + 1);
    if (!selfClosing) {
      depth++;
      open.push(name);
    }
  }
  if (open.length > 0) return fail(`is not well-formed XML (<${open[open.length - 1]!.slice(0, 64)}> is not closed)`);
  return { ok: true, counts: { bytes, depth: deepest, nodes, attributes, references } };
}
