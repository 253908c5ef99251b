import { SignedXml } from 'xml-crypto';
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
  it('refuses a signature made by none of ten pinned certificates without xml-crypto searching the document', () => {
    const checks = vi.spyOn(SignedXml.prototype, 'checkSignature');
    const result = validate(assertionSignedBy(kit.attacker), [kit.idp.certificatePem, ...others.map((o) => o.certificatePem)]);
    expect(result).toBeInstanceOf(SsoFailure);
    expect((result as SsoFailure).reason).toBe('SIGNATURE_INVALID');
    expect(checks).not.toHaveBeenCalled();
  });

  it('has xml-crypto check only the certificate that signed, wherever it is among ten', () => {
    const checks = vi.spyOn(SignedXml.prototype, 'checkSignature');
    const pinned = [...others.slice(0, 6).map((o) => o.certificatePem), kit.idp.certificatePem, ...others.slice(6).map((o) => o.certificatePem)];
    const result = validate(assertionSignedBy(kit.idp), pinned);
    expect((result as ValidatedAssertion).nameId).toBe(USER);
    expect(checks).toHaveBeenCalledTimes(1);
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
