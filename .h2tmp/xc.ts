import { SignedXml } from 'xml-crypto';
import { DOMParser } from '@xmldom/xmldom';
import { buildSignedResponse } from '../src/saml/response-builder.js';
import { generateSigningKeyPair } from '../src/saml/signing-key-pair.js';
const attacker = await generateSigningKeyPair('a.example', Date.now());
const other = await generateSigningKeyPair('b.example', Date.now());
const signed = buildSignedResponse({ issuer: 'https://idp', destination: 'https://sp/acs', inResponseTo: null, audience: 'x', nameId: 'v', nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', sessionIndex: '_s', authnInstant: new Date().toISOString(), authnContextClassRef: 'urn:x', attributes: { email: ['v'] }, now: Date.now(), lifetimeMs: 60000 }, attacker, { signResponse: false });
const cpu = (f: () => void, reps = 5) => { f(); const c = process.cpuUsage(); for (let i = 0; i < reps; i++) f(); const u = process.cpuUsage(c); return ((u.user + u.system) / 1000 / reps).toFixed(1); };
for (const n of [0, 100, 300, 1000, 2000, 3000]) {
  const xml = signed.replace(/(<saml:Issuer>[^<]*<\/saml:Issuer>)/, `$1<samlp:Extensions>${'<e a=""/>'.repeat(n)}</samlp:Extensions>`);
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const sig = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0]!;
  const parse = cpu(() => new DOMParser().parseFromString(xml, 'text/xml'));
  const check = cpu(() => {
    const v = new SignedXml({ publicCert: other.certificatePem, getCertFromKeyInfo: () => null });
    v.loadSignature(sig as any);
    try { v.checkSignature(xml); } catch {}
  });
  console.log(n, 'parse cpu ms', parse, 'checkSignature cpu ms', check);
}
