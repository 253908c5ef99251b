import { DOMParser } from '@xmldom/xmldom';
import { XML_LIMITS } from '../src/saml/xml-limits.js';
import { xmlAtLimits, insideRoot } from '../test/helpers/hostile-xml.js';
const root = { open: '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_h" Version="2.0" InResponseTo="_x">', close: '</samlp:Response>' };
const parse = (x: string) => new DOMParser({ onError: (_l, m) => { throw new Error(m); } }).parseFromString(x, 'text/xml');
const cpu = (name: string, x: string) => { for (let i = 0; i < 5; i++) parse(x); const ts: number[] = []; for (let i = 0; i < 15; i++) { const t = performance.now(); parse(x); ts.push(performance.now() - t); } ts.sort((a, b) => a - b); console.log(name.padEnd(40), 'median', ts[7]!.toFixed(2), 'min', ts[0]!.toFixed(2)); };
for (const [n, a, r] of [[2000, 2000, 2000], [2000, 0, 0], [2000, 1000, 0], [2000, 2000, 0], [1000, 1000, 1000], [2000, 1000, 1000], [3000, 3000, 2000]]) {
  const limits = { ...XML_LIMITS.samlResponse, maxNodes: n, maxAttributes: a || 4, maxReferences: r };
  cpu(`nodes ${n} attrs ${a} refs ${r}`, xmlAtLimits(limits, 256 * 1024, insideRoot(root)));
}
