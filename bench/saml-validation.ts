/**
 * ACS validation speed: ssobridge's validateSamlResponse against @node-saml/node-saml's
 * validatePostResponseAsync on the same ~5 KB signed response, in one process, interleaved, plus
 * a breakdown of where our time goes. Prints JSON on stdout (bench/run-sso.ts renders it).
 */
import { createHash, createVerify } from 'node:crypto';
import { SAML } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { buildSignedResponse } from '../src/saml/response-builder.js';
import { validateSamlResponse } from '../src/saml/response-validation.js';
import { generateSigningKeyPair } from '../src/saml/signing-key-pair.js';
import { parseUntrustedXml } from '../src/saml/xml.js';
import { runBench } from './lib/script.js';

const ACS = 'https://sso.example.com/sso/sp/ACS.saml2';
const AUDIENCE = 'https://sso.example.com/saml/sp/account';
const ISSUER = 'https://idp.customer.example/saml';

async function main(): Promise<void> {
  const key = await generateSigningKeyPair('idp.customer.example', Date.now());
  const now = Date.now();
  // Enough attributes to make the document about 5 KB, like a typical enterprise IdP's.
  const attributes: Record<string, string[]> = {
    email: ['alice@customer.example'],
    givenName: ['Alice'],
    surname: ['Example'],
    groups: ['engineering', 'admins', 'staff'],
    department: ['Research and Development'],
  };
  const xml = buildSignedResponse(
    {
      issuer: ISSUER,
      destination: ACS,
      inResponseTo: null,
      audience: AUDIENCE,
      nameId: 'alice@customer.example',
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      sessionIndex: '_session',
      authnInstant: new Date(now).toISOString(),
      authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
      attributes,
      now,
      lifetimeMs: 3600_000,
    },
    key,
    { signResponse: false },
  );
  const base64 = Buffer.from(xml).toString('base64');
  const expectations = { acsUrls: [ACS], audience: AUDIENCE, idpEntityId: ISSUER, idpCertificatesPem: [key.certificatePem], inResponseTo: null, now, clockSkewMs: 60_000 };
  const saml = new SAML({
    callbackUrl: ACS,
    entryPoint: 'https://idp.customer.example/sso',
    issuer: AUDIENCE,
    audience: AUDIENCE,
    idpCert: key.certificatePem,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    validateInResponseTo: 'never' as never,
    acceptedClockSkewMs: 60_000,
  });

  const ours = () => validateSamlResponse(base64, expectations);
  const theirs = () => saml.validatePostResponseAsync({ SAMLResponse: base64 });
  ours();
  await theirs();

  // Interleaved rounds, so a slow patch of the machine hits both alike.
  const rounds = 5;
  const perRound = 300;
  let oursMs = 0;
  let theirsMs = 0;
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    for (let i = 0; i < perRound; i++) ours();
    oursMs += performance.now() - t;
    t = performance.now();
    for (let i = 0; i < perRound; i++) await theirs();
    theirsMs += performance.now() - t;
  }
  const n = rounds * perRound;

  // Where our time goes, each stage measured alone on the same document.
  const time = (fn: () => unknown, count = 1000) => {
    fn();
    const t = performance.now();
    for (let i = 0; i < count; i++) fn();
    return ((performance.now() - t) / count) * 1000;
  };
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  const assertion = document.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Assertion')[0]!;
  const signedInfo = document.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'SignedInfo')[0]!;
  const signatureValue = document.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'SignatureValue')[0]!.textContent!.replace(/\s/g, '');
  const c14n = new ExclusiveCanonicalization();
  const canonicalAssertion = c14n.process(assertion as never, { removeCommentsAndProcessingInstructions: true } as never) as string;
  const canonicalSignedInfo = c14n.process(signedInfo as never, {} as never) as string;
  const breakdown = {
    base64DecodeMicros: time(() => Buffer.from(base64, 'base64').toString('utf8')),
    xmlParseMicros: time(() => parseUntrustedXml(xml, 'samlResponse')),
    canonicalizeAssertionMicros: time(() => c14n.process(assertion as never, { removeCommentsAndProcessingInstructions: true } as never)),
    digestMicros: time(() => createHash('sha256').update(canonicalAssertion).digest('base64')),
    canonicalizeSignedInfoMicros: time(() => c14n.process(signedInfo as never, {} as never)),
    rsaVerifyMicros: time(() => createVerify('RSA-SHA256').update(canonicalSignedInfo).verify(key.certificatePem, signatureValue, 'base64')),
    fullValidationMicros: time(ours, 500),
  };
  process.stdout.write(
    `${JSON.stringify({
      documentBytes: Buffer.byteLength(xml),
      iterations: n,
      ours: { perSecond: (n / oursMs) * 1000, meanMicros: (oursMs / n) * 1000 },
      nodeSaml: { perSecond: (n / theirsMs) * 1000, meanMicros: (theirsMs / n) * 1000 },
      breakdown,
    })}\n`,
  );
}

runBench(main);
