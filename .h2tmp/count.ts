import fs from 'node:fs';
import { DOMParser, type Node } from '@xmldom/xmldom';
import { prescanXml } from '../src/saml/xml-prescan.js';
const inf = { maxBytes: 1e9, maxDepth: 1e9, maxNodes: 1e9, maxAttributes: 1e9, maxReferences: 1e9, label: 'x' };
function real(xml: string) {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  let nodes = 0, attributes = 0, depth = 0;
  const walk = (node: Node, d: number) => {
    for (let c = node.firstChild; c; c = c.nextSibling) {
      nodes++;
      if (c.nodeType === 1) { depth = Math.max(depth, d + 1); attributes += (c as any).attributes.length; walk(c, d + 1); }
    }
  };
  walk(doc, 0);
  return { nodes, attributes, depth };
}
for (const f of fs.readdirSync('test/fixtures/saml/metadata').filter((f) => f.endsWith('.xml'))) {
  const xml = fs.readFileSync('test/fixtures/saml/metadata/' + f, 'utf8');
  console.log(f, JSON.stringify(prescanXml(xml, inf)), JSON.stringify(real(xml)));
}
const attacks = await import('../test/helpers/saml-attacks.js');
const kit = await attacks.createAttackKit();
for (const name of ['validAssertionSigned', 'validBothSigned', 'xsw1', 'commentInjectionInNameId', 'twoAssertions', 'encryptedAssertion']) {
  const c = (attacks as any)[name](kit);
  const xml = c.xml;
  console.log(name, JSON.stringify(prescanXml(xml, inf)), JSON.stringify(real(xml)));
}
