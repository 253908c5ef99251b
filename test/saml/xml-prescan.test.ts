import fs from 'node:fs';
import path from 'node:path';
import { DOMParser, type Node } from '@xmldom/xmldom';
import { beforeAll, describe, expect, it } from 'vitest';
import { XML_LIMITS, type XmlInputKind, type XmlLimits } from '../../src/saml/xml-limits.js';
import { prescanXml, type XmlCounts } from '../../src/saml/xml-prescan.js';
import { parseUntrustedXml } from '../../src/saml/xml.js';
import { MetadataError, parseIdpMetadata } from '../../src/saml/idp-metadata.js';
import { peekResponse } from '../../src/saml/response-validation.js';
import { SsoFailure } from '../../src/errors.js';
import { parseSpMetadata, SpMetadataError } from '../../src/saml/sp-metadata-parse.js';
import { HOSTILE_SHAPES, hostileXml, insideRoot, xmlAtLimits, type RootElement } from '../helpers/hostile-xml.js';
import { ATTACKS } from '../helpers/saml-attack-table.js';
import { createAttackKit, type AttackKit } from '../helpers/saml-attacks.js';

const unlimited: XmlLimits = { maxBytes: Infinity, maxDepth: Infinity, maxNodes: Infinity, maxAttributes: Infinity, maxReferences: Infinity, label: 'a test' };
const ROOT: RootElement = { open: '<r xmlns="urn:test">', close: '</r>' };

/** What the DOM xmldom builds actually holds: every node under the document, every attribute, the deepest element. */
function domCounts(xml: string): Omit<XmlCounts, 'bytes' | 'references'> {
  const document = new DOMParser({ onError: (_level, message) => { throw new Error(message); } }).parseFromString(xml, 'text/xml');
  let nodes = 0;
  let attributes = 0;
  let depth = 0;
  const stack: { node: Node; depth: number }[] = [{ node: document, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth: level } = stack.pop()!;
    for (let child = node.firstChild; child; child = child.nextSibling) {
      nodes++;
      if (child.nodeType === 1) {
        depth = Math.max(depth, level + 1);
        attributes += (child as unknown as { attributes: { length: number } }).attributes.length;
        stack.push({ node: child, depth: level + 1 });
      }
    }
  }
  return { nodes, attributes, depth };
}

function counts(xml: string): XmlCounts {
  const scan = prescanXml(xml, unlimited);
  if (!scan.ok) throw new Error(`the pre-scan refused a well-formed document: ${scan.problem}`);
  return scan.counts;
}

/** The pre-scan may over-count, never under-count, so a DOM built after it passes is within its limits. */
function expectNeverUnderCounts(xml: string): void {
  const real = domCounts(xml);
  const scanned = counts(xml);
  expect(scanned.nodes, 'nodes').toBeGreaterThanOrEqual(real.nodes);
  expect(scanned.attributes, 'attributes').toBeGreaterThanOrEqual(real.attributes);
  expect(scanned.depth, 'depth').toBeGreaterThanOrEqual(real.depth);
}

/** A small deterministic PRNG (mulberry32), so a failing tree can be reproduced from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random well-formed tree with the constructs that trip lexical counters: quoted values holding
 * `>`, `/>`, `<`-free markup look-alikes, both quote styles, white space inside tags, comments,
 * CDATA and processing instructions holding tags, character and entity references, prefixes.
 */
function randomTree(seed: number): string {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const space = () => pick([' ', '  ', '\n', '\t', ' \r\n ']);
  const values = ['x', '/>', '>', 'a > b', "it's", 'a=b', '&amp;', '&lt;x/&gt;', '&#x41;', ' = ', '--', ']]>', '?>'];
  const texts = ['hello', ' ', '\n  ', 'a > b', '&amp;', '&lt;e/&gt;', '&#65;&#x42;', ']]&gt;', '/>', "'\"", '='];
  let budget = 20 + Math.floor(next() * 200);
  const element = (level: number): string => {
    budget--;
    const name = pick(['a', 'b', 'p:c', 'q:d', 'element-name', 'x.y']);
    const attributes: string[] = [];
    const used = new Set<string>();
    if (name.startsWith('p:')) attributes.push('xmlns:p="urn:p"');
    if (name.startsWith('q:')) attributes.push("xmlns:q='urn:q'");
    for (let i = Math.floor(next() * 4); i > 0; i--) {
      const attribute = pick(['k', 'id', 'ID', 'Version', 'xml:lang', 'other']);
      if (used.has(attribute)) continue;
      used.add(attribute);
      const value = pick(values);
      const quote = value.includes("'") ? '"' : pick(["'", '"']);
      attributes.push(`${attribute}${pick(['=', ' = '])}${quote}${value}${quote}`);
    }
    const open = `<${name}${attributes.map((a) => `${space()}${a}`).join('')}${next() < 0.3 ? space() : ''}`;
    if (level > 12 || budget <= 0 || (level > 1 && next() < 0.2)) return `${open}/>`;
    const children: string[] = [];
    for (let i = Math.floor(next() * 6) + (level < 4 ? 2 : 0); i > 0 && budget > 0; i--) {
      const kind = next();
      if (kind < 0.45) children.push(element(level + 1));
      else if (kind < 0.7) children.push(pick(texts));
      else if (kind < 0.8) children.push(`<!--${pick([' <e/> ', ' a > b ', ' x-y ', ' <![CDATA[ '])}-->`);
      else if (kind < 0.9) children.push(`<![CDATA[${pick(['<e a="1"/>', ']]', '<!-- -->', '>', ''])}]]>`);
      else children.push(`<?pi ${pick(['<e/>', 'a="b"', '> >'])}?>`);
    }
    return `${open}>${children.join('')}</${name}${next() < 0.2 ? space() : ''}>`;
  };
  const prolog = next() < 0.5 ? `<?xml version="1.0" encoding="UTF-8"?>${pick(['', '\n'])}` : '';
  const comment = next() < 0.3 ? '<!-- before the root -->\n' : '';
  return `${prolog}${comment}${element(1)}${next() < 0.3 ? '\n<!-- after -->\n' : ''}`;
}

describe('prescanXml', () => {
  describe('never counts fewer nodes, attributes or levels than xmldom builds', () => {
    it.each(fs.readdirSync('test/fixtures/saml/metadata').filter((f) => f.endsWith('.xml')))('metadata fixture %s', (file) => {
      expectNeverUnderCounts(fs.readFileSync(path.join('test/fixtures/saml/metadata', file), 'utf8'));
    });

    let kit: AttackKit;
    beforeAll(async () => {
      kit = await createAttackKit();
    });

    it('every generated SAML response of the attack catalogue that has no DTD', () => {
      let compared = 0;
      for (const { attack } of ATTACKS) {
        const xml = attack(kit).xml;
        if (xml === null || !prescanXml(xml, unlimited).ok) continue;
        expectNeverUnderCounts(xml);
        compared++;
      }
      expect(compared).toBeGreaterThan(40);
    });

    it('400 random trees with quotes, comments, CDATA, processing instructions and references in awkward places', () => {
      for (let seed = 1; seed <= 400; seed++) {
        const xml = randomTree(seed);
        try {
          expectNeverUnderCounts(xml);
        } catch (error) {
          throw new Error(`seed ${seed}: ${(error as Error).message}\n${xml}`);
        }
      }
    });

    it('the hostile shapes and the documents at the limits', () => {
      for (const shape of HOSTILE_SHAPES.filter((s) => s !== 'doctype')) expectNeverUnderCounts(hostileXml(shape, 64 * 1024, ROOT));
      for (const kind of Object.keys(XML_LIMITS) as XmlInputKind[]) {
        const xml = xmlAtLimits(XML_LIMITS[kind], XML_LIMITS[kind].maxBytes, insideRoot(ROOT));
        expectNeverUnderCounts(xml);
        expect(domCounts(xml).nodes).toBe(XML_LIMITS[kind].maxNodes);
      }
    });

    it('counts exactly what xmldom builds from a plain document', () => {
      const xml = `<?xml version="1.0"?>\n<r xmlns="urn:r" a='1' b="&gt;/>"><c/><d e="x">t &amp; u<![CDATA[<f/>]]><!-- <g/> --></d><?pi <h/>?></r>`;
      expect(counts(xml)).toEqual({ bytes: xml.length, depth: 2, nodes: 9, attributes: 4, references: 2 });
      // xmldom keeps the XML declaration and the newline before the root as nodes too.
      expect(domCounts(xml)).toEqual({ depth: 2, nodes: 9, attributes: 4 });
    });
  });

  describe('stops at the first limit exceeded, naming it', () => {
    const limits: XmlLimits = { maxBytes: 1024, maxDepth: 3, maxNodes: 10, maxAttributes: 4, maxReferences: 3, label: 'a test document' };
    it.each([
      ['size', `<r>${'x'.repeat(1024)}</r>`, 'is larger than 1 KiB (the limit for a test document)'],
      ['size in UTF-8 bytes, not characters', `<r>${'é'.repeat(510)}</r>`, 'is larger than 1 KiB (the limit for a test document)'],
      ['depth', '<a><b><c><d/></c></b></a>', 'is nested deeper than 3 elements (the limit for a test document)'],
      ['nodes', `<r>${'<e/>'.repeat(10)}</r>`, 'has more than 10 XML nodes (the limit for a test document)'],
      ['nodes, text counted', `<r>${'<e/>t'.repeat(5)}</r>`, 'has more than 10 XML nodes (the limit for a test document)'],
      ['attributes', `<r a="1" b="2"><e c="3" d='4' f="5"/></r>`, 'has more than 4 attributes (the limit for a test document)'],
      ['references', '<r>&amp;&lt;&#65;&gt;</r>', 'has more than 3 character or entity references (&…;) (the limit for a test document)'],
    ])('%s', (_what, xml, problem) => {
      expect(prescanXml(xml, limits)).toEqual({ ok: false, problem });
    });

    it('passes a document exactly at every limit', () => {
      const xml = `<a x="1" y="2"><b z='3' w="4"><c>&amp;&amp;&amp;</c></b>${'<e/>'.repeat(6)}</a>`;
      expect(prescanXml(xml, limits)).toMatchObject({ ok: true, counts: { depth: 3, nodes: 10, attributes: 4, references: 3 } });
    });
  });

  describe('refuses what it cannot count with certainty', () => {
    it.each([
      ['a DOCTYPE', '<!DOCTYPE r><r/>', 'contains a DTD (<!DOCTYPE or <!ENTITY), which SAML does not allow'],
      ['an ENTITY anywhere', '<r><!ENTITY a "b"></r>', 'contains a DTD (<!DOCTYPE or <!ENTITY), which SAML does not allow'],
      ['a lower-case doctype', '<!doctype r><r/>', 'contains a DTD (<!DOCTYPE or <!ENTITY), which SAML does not allow'],
      ['an unclosed comment', '<r><!-- </r>', 'is not well-formed XML (a comment is not closed)'],
      ['an unclosed CDATA section', '<r><![CDATA[ </r>', 'is not well-formed XML (a CDATA section is not closed)'],
      ['an unclosed processing instruction', '<r><?pi </r>', 'is not well-formed XML (a processing instruction is not closed)'],
      ['an unclosed attribute value', '<r a="/>', 'is not well-formed XML (an attribute value in the tag at character 0 is not closed)'],
      ['an unclosed tag', '<r', 'is not well-formed XML (the tag at character 0 is not closed)'],
      ['an unclosed element', '<r><s>', 'is not well-formed XML (<s> is not closed)'],
      ['a stray end tag (which would lower the depth)', '</x></x><a><b/></a>', 'is not well-formed XML (an end tag at character 0 does not close the open element)'],
      ['a mismatched end tag', '<a><b></a></b>', 'is not well-formed XML (an end tag at character 6 does not close the open element)'],
      ['an end tag with attributes', '<a></a b="1">', 'is not well-formed XML (an end tag at character 3 does not close the open element)'],
      ['a tag without a name', '<r>< a/></r>', 'is not well-formed XML (a tag at character 3 has no name)'],
    ])('%s', (_what, xml, problem) => {
      expect(prescanXml(xml, unlimited)).toEqual({ ok: false, problem });
    });
  });
});

describe('parseUntrustedXml runs the pre-scan before building a DOM', () => {
  it.each(HOSTILE_SHAPES.filter((s) => s !== 'text'))('refuses a %s document of the maximum size of each kind', (shape) => {
    for (const kind of Object.keys(XML_LIMITS) as XmlInputKind[]) {
      const limits = XML_LIMITS[kind];
      expect(() => parseUntrustedXml(hostileXml(shape, limits.maxBytes, ROOT), kind)).toThrow(shape === 'doctype' ? /contains a DTD/ : new RegExp(`\\(the limit for ${limits.label}\\)$`));
    }
  });

  it('parses a document at every limit of each kind, and refuses one node or one byte more', () => {
    for (const kind of Object.keys(XML_LIMITS) as XmlInputKind[]) {
      const limits = XML_LIMITS[kind];
      const atLimits = xmlAtLimits(limits, limits.maxBytes, insideRoot(ROOT));
      expect(parseUntrustedXml(atLimits, kind).documentElement?.localName).toBe('r');
      const oneNodeMore = atLimits.replace('<e', '<e/><e').replace(`xxxx${ROOT.close}`, ROOT.close);
      expect(() => parseUntrustedXml(oneNodeMore, kind)).toThrow(`has more than ${limits.maxNodes.toLocaleString('en-US')} XML nodes (the limit for ${limits.label})`);
      expect(() => parseUntrustedXml(hostileXml('text', limits.maxBytes + 1, ROOT), kind)).toThrow(`is larger than ${limits.maxBytes / 1024} KiB (the limit for ${limits.label})`);
    }
  });
});

describe('every XML entry point goes through the pre-scan with the limits of its kind', () => {
  const wide = (kind: XmlInputKind) => hostileXml('wide', XML_LIMITS[kind].maxBytes, ROOT);

  it('the ACS peek (routing before any check): XML_REJECTED', () => {
    let error: unknown;
    try {
      peekResponse(Buffer.from(wide('samlResponse')).toString('base64'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SsoFailure);
    expect(error).toMatchObject({ reason: 'XML_REJECTED', message: 'The SAML response has more than 2,000 XML nodes (the limit for a SAML response).' });
  });

  it('IdP metadata (API, console and metadata URLs): MetadataError', () => {
    expect(() => parseIdpMetadata(wide('idpMetadata'))).toThrow(new MetadataError('The metadata has more than 3,000 XML nodes (the limit for IdP metadata).'));
  });

  it('SP metadata: SpMetadataError', () => {
    expect(() => parseSpMetadata(wide('spMetadata'))).toThrow(new SpMetadataError('The metadata has more than 3,000 XML nodes (the limit for SP metadata).'));
  });
});

describe('docs/limits.md', () => {
  it('lists the XML limits of every kind of input as src/saml/xml-limits.ts defines them', () => {
    const markdown = fs.readFileSync('docs/limits.md', 'utf8');
    const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`);
    const n = (value: number) => value.toLocaleString('en-US');
    for (const [kind, limits] of Object.entries(XML_LIMITS)) {
      const row = new RegExp(`^\\| [^|]*\`${kind}\`[^|]*\\| ([^|]+) \\| ([^|]+) \\| ([^|]+) \\| ([^|]+) \\| ([^|]+) \\|`, 'm').exec(markdown);
      expect(row, kind).not.toBeNull();
      expect(row!.slice(1, 6), kind).toEqual([size(limits.maxBytes), n(limits.maxDepth), n(limits.maxNodes), n(limits.maxAttributes), n(limits.maxReferences)]);
    }
  });
});
