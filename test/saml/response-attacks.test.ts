/**
 * The SAML Response validator against the attack classes of SPEC §7: every attack document is
 * generated from a valid signed response at test time (test/helpers/saml-attacks.ts) and must be
 * refused with its exact, stable reason code; the valid shapes must be accepted with the identity
 * the IdP signed. The table of attacks and verdicts is test/helpers/saml-attack-table.ts; how other
 * SAML libraries answer the same documents, and what each verdict costs, is not a test:
 * `npm run bench` writes it to docs/saml-comparison.md (bench/saml-attack-comparison.ts).
 */
import { ExclusiveCanonicalization } from 'xml-crypto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { validateSamlResponse, type ValidatedAssertion } from '../../src/saml/response-validation.js';
import { SsoFailure } from '../../src/errors.js';
import { NS } from '../../src/saml/xml.js';
import * as attacks from '../helpers/saml-attacks.js';
import { ATTACKS, type Expected } from '../helpers/saml-attack-table.js';
import { ATTRIBUTES, createAttackKit, IDP_ENTITY_ID, parseXml, USER, xmlCryptoVerdict, type AttackCase, type AttackKit } from '../helpers/saml-attacks.js';

/** Runs our validator: the accepted assertion, or the SsoFailure (anything else thrown is returned as is). */
function ours(c: AttackCase): ValidatedAssertion | SsoFailure | Error {
  try {
    return validateSamlResponse(c.samlResponse, c.expectations);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function verdict(result: ValidatedAssertion | SsoFailure | Error): string {
  if (result instanceof SsoFailure) return result.reason;
  if (result instanceof Error) return `crashed (${result.name}: ${result.message.slice(0, 60)})`;
  return `ACCEPTED (${result.nameId})`;
}

function expectOutcome(c: AttackCase, expected: Expected): void {
  const result = ours(c);
  if (expected === 'ACCEPTED') {
    if (result instanceof Error) expect.fail(`refused: ${verdict(result)} — ${result.message}`);
    const assertionId = parseXml(c.xml!).getElementsByTagNameNS(NS.saml, 'Assertion')[0]!.getAttribute('ID');
    expect(result).toMatchObject({ nameId: c.signedIdentity!.nameId, attributes: c.signedIdentity!.attributes, issuer: IDP_ENTITY_ID, assertionId });
    return;
  }
  if (!(result instanceof Error)) expect.fail(`ACCEPTED as ${result.nameId}; expected refusal ${expected}`);
  if (!(result instanceof SsoFailure)) expect.fail(`threw ${result.name} (${result.message}) instead of a SsoFailure ${expected}`);
  expect(result.reason, result.message).toBe(expected);
  // Stable: the same document refused twice gives the same reason.
  expect(verdict(ours(c))).toBe(expected);
}

let kit: AttackKit;
beforeAll(async () => {
  kit = await createAttackKit();
});

describe('SAML Response validator under attack', () => {
  for (const row of ATTACKS) {
    it(`${row.attack.name}: ${row.what} → ${row.expected}`, () => {
      expectOutcome(row.attack(kit), row.expected);
    });
  }

  it('commentInjectionInNameId: the signature still verifies and a DOM reader would see the truncated identity', () => {
    const c = attacks.commentInjectionInNameId(kit);
    const { valid, signedXml } = xmlCryptoVerdict(c.xml!, kit.idp.certificatePem);
    expect(valid).toBe(true);
    expect(signedXml[0]).toContain('>admin@evil.com.attacker.com<');
    const nameId = parseXml(c.xml!).getElementsByTagNameNS(NS.saml, 'NameID')[0]!;
    expect(nameId.firstChild!.nodeValue).toBe('admin@evil.com');
    const result = ours(c);
    expect(verdict(result)).toBe('COMMENT_OR_PROCESSING_INSTRUCTION');
    expect((result as Partial<ValidatedAssertion>).nameId).toBeUndefined();
  });

  it('processingInstructionInjectionInNameId: xml-crypto verifies it and a DOM reader would see the truncated identity', () => {
    const c = attacks.processingInstructionInjectionInNameId(kit);
    const { valid, signedXml } = xmlCryptoVerdict(c.xml!, kit.idp.certificatePem);
    expect(valid).toBe(true);
    expect(signedXml[0]).toContain('>admin@evil.com.attacker.com<');
    expect(parseXml(c.xml!).getElementsByTagNameNS(NS.saml, 'NameID')[0]!.textContent).toBe('admin@evil.com');
    expect(verdict(ours(c))).toBe('COMMENT_OR_PROCESSING_INSTRUCTION');
  });

  describe('the identity is read from the node whose canonical form was digested', () => {
    // Proof by substitution: once xml-crypto's canonicalizer has produced the canonical form of the
    // signed element (the digest is computed from that string), the element in hand is rewritten;
    // the validator must report what that very node now says, not a re-parse or another copy.
    afterEach(() => {
      vi.restoreAllMocks();
    });
    function substituteAfterDigest(signedElement: 'Assertion' | 'Response') {
      const original = ExclusiveCanonicalization.prototype.process;
      vi.spyOn(ExclusiveCanonicalization.prototype, 'process').mockImplementation(function (this: ExclusiveCanonicalization, node, options) {
        const canonical = original.call(this, node, options);
        if (node.localName === signedElement) {
          for (const element of Array.from(node.getElementsByTagNameNS(NS.saml, '*')).filter((e) => e.firstChild?.nodeValue === USER)) {
            element.replaceChild(element.ownerDocument.createTextNode('from-the-digested-node@customer.example'), element.firstChild!);
          }
        }
        return canonical;
      });
    }

    it('unsignedAssertionInSignedResponse: accepted, identity from the assertion inside the verified response', () => {
      substituteAfterDigest('Response');
      const result = ours(attacks.unsignedAssertionInSignedResponse(kit));
      expect(verdict(result)).toBe('ACCEPTED (from-the-digested-node@customer.example)');
      expect((result as ValidatedAssertion).attributes.email).toEqual(['from-the-digested-node@customer.example']);
    });

    it('validAssertionSigned: accepted, identity from the verified assertion', () => {
      substituteAfterDigest('Assertion');
      expect(verdict(ours(attacks.validAssertionSigned(kit)))).toBe('ACCEPTED (from-the-digested-node@customer.example)');
    });

    it('validBothSigned: accepted, identity from the verified assertion', () => {
      substituteAfterDigest('Assertion');
      expect(verdict(ours(attacks.validBothSigned(kit)))).toBe('ACCEPTED (from-the-digested-node@customer.example)');
    });
  });

  it('validAssertionSigned: every field of the validated assertion comes out as signed', () => {
    const c = attacks.validAssertionSigned(kit);
    const result = ours(c) as ValidatedAssertion;
    expect(result).toMatchObject({
      nameId: USER,
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      sessionIndex: '_session-1',
      authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
      attributes: ATTRIBUTES,
    });
    expect(result.expiresAt).toBeGreaterThan(kit.now);
  });
});
