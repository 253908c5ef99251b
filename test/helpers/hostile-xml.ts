import type { XmlLimits } from '../../src/saml/xml-limits.js';
import { prescanXml } from '../../src/saml/xml-prescan.js';

/**
 * Hostile XML documents of an exact size in UTF-8 bytes, each inside a given root element (a
 * samlp:Response, an md:EntityDescriptor…), for the pre-scan tests and bench/xml-limits.ts.
 */
export type HostileShape =
  /** One chain of nested elements. */
  | 'deep'
  /** Empty sibling elements, as many as fit. */
  | 'wide'
  /** One element with as many attributes as fit. */
  | 'attributes'
  /** A DTD declaring an entity, then text. */
  | 'doctype'
  /** Character references (`&amp;`), as many as fit. */
  | 'references'
  /** One text node: nothing but size. */
  | 'text';

export interface RootElement {
  open: string;
  close: string;
}

export const HOSTILE_SHAPES: readonly HostileShape[] = ['deep', 'wide', 'attributes', 'doctype', 'references', 'text'];

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

/** `bytes` bytes of XML of the given shape inside `root`. */
export function hostileXml(shape: HostileShape, bytes: number, root: RootElement): string {
  const doctype = shape === 'doctype' ? '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]>' : '';
  const room = bytes - byteLength(doctype) - byteLength(root.open) - byteLength(root.close);
  if (room < 16) throw new Error(`${bytes} bytes leave no room for a ${shape} body`);
  let body: string;
  switch (shape) {
    case 'deep': {
      const levels = Math.floor((room - 1) / 7);
      body = `${'<d>'.repeat(levels)}${'x'.repeat(room - levels * 7)}${'</d>'.repeat(levels)}`;
      break;
    }
    case 'wide': {
      const count = Math.floor((room - 1) / 4);
      body = `${'<e/>'.repeat(count)}${'x'.repeat(room - count * 4)}`;
      break;
    }
    case 'attributes': {
      const parts: string[] = [];
      let used = '<e/>'.length;
      for (let i = 0; ; i++) {
        // Single quotes: a JSON body (the API) carries them unescaped, so the document stays its size.
        const attribute = ` a${i.toString(36)}=''`;
        if (used + attribute.length > room) break;
        parts.push(attribute);
        used += attribute.length;
      }
      body = `<e${parts.join('')}${' '.repeat(room - used)}/>`;
      break;
    }
    case 'references': {
      const count = Math.floor(room / 5);
      body = `${'&amp;'.repeat(count)}${'x'.repeat(room - count * 5)}`;
      break;
    }
    case 'doctype':
    case 'text':
      body = 'x'.repeat(room);
  }
  const xml = `${doctype}${root.open}${body}${root.close}`;
  if (byteLength(xml) !== bytes) throw new Error(`the ${shape} document came out at ${byteLength(xml)} bytes, not ${bytes}`);
  return xml;
}

/** Where xmlAtLimits puts its filler in a template. */
export const FILL_HERE = '<!--fill-->';

/**
 * The most expensive document the pre-scan lets through: `template` with FILL_HERE replaced by
 * empty elements, attributes and `&amp;` references up to exactly the node, attribute and
 * reference limits (counted as the pre-scan counts them, the template's own included), padded
 * with text to `bytes`. This is the worst a hostile sender can make the parser build.
 */
export function xmlAtLimits(limits: XmlLimits, bytes: number, template: string): string {
  if (template.split(FILL_HERE).length !== 2) throw new Error('the template must hold FILL_HERE once');
  const own = prescanXml(template.replace(FILL_HERE, ''), { ...limits, maxBytes: bytes, maxNodes: Infinity, maxAttributes: Infinity, maxReferences: Infinity });
  if (!own.ok) throw new Error(`the template is refused: ${own.problem}`);
  // Nodes: the template's own, the elements, and one text node of padding (holding the references).
  const elements = limits.maxNodes - own.counts.nodes - 1;
  const attributes = limits.maxAttributes - own.counts.attributes;
  const perElement = Math.floor(attributes / elements);
  const extra = attributes - perElement * elements;
  const element = (i: number) => {
    const count = perElement + (i < extra ? 1 : 0);
    return `<e${Array.from({ length: count }, (_, j) => ` a${j.toString(36)}=''`).join('')}/>`;
  };
  const references = '&amp;'.repeat(limits.maxReferences - own.counts.references);
  const filler = Array.from({ length: elements }, (_, i) => element(i)).join('') + references;
  const room = bytes - byteLength(template) + byteLength(FILL_HERE) - byteLength(filler);
  if (room < 1) throw new Error(`the limits do not fit in ${bytes} bytes`);
  const xml = template.replace(FILL_HERE, () => `${filler}${'x'.repeat(room)}`);
  const check = prescanXml(xml, limits);
  if (!check.ok) throw new Error(`the document at the limits is refused: ${check.problem}`);
  return xml;
}

/** A template of just `root`, for xmlAtLimits. */
export const insideRoot = (root: RootElement) => `${root.open}${FILL_HERE}${root.close}`;
