import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSignedResponse, type SigningKey } from '../../src/saml/response-builder.js';
import { validateSamlResponse, type ValidatedAssertion } from '../../src/saml/response-validation.js';
import { SsoFailure } from '../../src/errors.js';
import { generateSigningKeyPair } from '../../src/saml/signing-key-pair.js';
import { NS } from '../../src/saml/xml.js';
import { ALGORITHMS, content, createAttackKit, expectations, parseXml, stripSignatures, USER, type AttackKit } from '../helpers/saml-attacks.js';

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

let kit: AttackKit;
/** Nine other certificates: with the IdP's, the most a customer connection can pin. */
let others: SigningKey[];
beforeAll(async () => {
  kit = await createAttackKit();
  others = await Promise.all(Array.from({ length: 9 }, (_, i) => generateSigningKeyPair(`other${i}.customer.example`, kit.now)));
});
afterEach(() => {
  vi.restoreAllMocks();
});

const b64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');
const validate = (xml: string, certificates: string[]) => {
  try {
    return validateSamlResponse(b64(xml), expectations(kit, { idpCertificatesPem: certificates }));
  } catch (error) {
    if (error instanceof SsoFailure) return error;
    throw error;
  }
};

/** The assertion signed by `key`, with an InclusiveNamespaces PrefixList on SignedInfo's canonicalization when asked. */
function assertionSignedBy(key: SigningKey, options: { inclusiveNamespaces?: string[] } = {}): string {
  const unsigned = stripSignatures(buildSignedResponse(content(kit), key, { signResponse: false }));
  const assertionId = parseXml(unsigned).getElementsByTagNameNS(NS.saml, 'Assertion')[0]!.getAttribute('ID')!;
  const signer = new SignedXml({
    privateKey: key.privateKeyPem,
    signatureAlgorithm: ALGORITHMS.rsaSha256,
    canonicalizationAlgorithm: EXC_C14N,
    ...(options.inclusiveNamespaces ? { inclusiveNamespacesPrefixList: options.inclusiveNamespaces } : {}),
  });
  const element = `//*[@ID='${assertionId}']`;
  signer.addReference({ xpath: element, transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: ALGORITHMS.sha256 });
  signer.computeSignature(unsigned, { prefix: 'ds', location: { reference: `${element}/*[local-name(.)='Issuer']`, action: 'after' } });
  return signer.getSignedXml();
}

describe('signature verification against the pinned certificates', () => {
  /** Counts the canonicalizations of the signed assertion (each is followed by a digest). */
  const countAssertionCanonicalizations = () => {
    const original = ExclusiveCanonicalization.prototype.process;
    let count = 0;
    vi.spyOn(ExclusiveCanonicalization.prototype, 'process').mockImplementation(function (this: ExclusiveCanonicalization, node, options) {
      if (node.localName === 'Assertion') count++;
      return original.call(this, node, options);
    });
    return () => count;
  };

  it('refuses a signature made by none of ten pinned certificates without canonicalizing or digesting the assertion', () => {
    const forged = assertionSignedBy(kit.attacker);
    const assertionCanonicalizations = countAssertionCanonicalizations();
    const result = validate(forged, [kit.idp.certificatePem, ...others.map((o) => o.certificatePem)]);
    expect(result).toBeInstanceOf(SsoFailure);
    expect((result as SsoFailure).reason).toBe('SIGNATURE_INVALID');
    expect(assertionCanonicalizations()).toBe(0);
  });

  it('finds the certificate that signed wherever it is among ten, and digests the assertion once', () => {
    const signed = assertionSignedBy(kit.idp);
    const pinned = [...others.slice(0, 6).map((o) => o.certificatePem), kit.idp.certificatePem, ...others.slice(6).map((o) => o.certificatePem)];
    const assertionCanonicalizations = countAssertionCanonicalizations();
    const result = validate(signed, pinned);
    expect((result as ValidatedAssertion).nameId).toBe(USER);
    expect(assertionCanonicalizations()).toBe(1);
  });

  it('follows a rotated certificate: the new text verifies the new key, and the old signature then fails', async () => {
    const rotated = await generateSigningKeyPair('idp.customer.example', kit.now);
    const signedBefore = assertionSignedBy(kit.idp);
    const signedAfter = assertionSignedBy(rotated);
    expect((validate(signedBefore, [kit.idp.certificatePem]) as ValidatedAssertion).nameId).toBe(USER);
    expect((validate(signedBefore, [rotated.certificatePem]) as SsoFailure).reason).toBe('SIGNATURE_INVALID');
    expect((validate(signedAfter, [rotated.certificatePem]) as ValidatedAssertion).nameId).toBe(USER);
    expect((validate(signedAfter, [kit.idp.certificatePem]) as SsoFailure).reason).toBe('SIGNATURE_INVALID');
  });

  it('accepts a signature whose SignedInfo is canonicalized with an InclusiveNamespaces PrefixList (namespaces declared on the Response)', () => {
    const xml = assertionSignedBy(kit.idp, { inclusiveNamespaces: ['samlp', 'saml'] });
    expect(xml).toContain('<InclusiveNamespaces PrefixList="samlp saml"');
    expect((validate(xml, [kit.idp.certificatePem]) as ValidatedAssertion).nameId).toBe(USER);
  });

  it('skips a pinned certificate that cannot be read and uses the next one', () => {
    const result = validate(assertionSignedBy(kit.idp), ['-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----', kit.idp.certificatePem]);
    expect((result as ValidatedAssertion).nameId).toBe(USER);
  });
});
