/**
 * The SAML Response attacks of SPEC §7 and the verdict ssobridge must give each: one table, read by
 * test/saml/response-attacks.test.ts (which asserts every verdict) and by
 * bench/saml-attack-comparison.ts (which times the verdicts and sets them beside node-saml's in
 * docs/saml-comparison.md), so the two cannot drift apart.
 */
import type { SamlRejectReason } from '../../src/saml/saml-reasons.js';
import * as attacks from './saml-attacks.js';
import type { AttackCase, AttackKit } from './saml-attacks.js';

export type Expected = SamlRejectReason | 'ACCEPTED';

export interface AttackRow {
  attack: (kit: AttackKit) => AttackCase;
  what: string;
  expected: Expected;
}

/** Every attack, in the order of SPEC §7; the test names are the generator functions' names. */
export const ATTACKS: readonly AttackRow[] = [
  // Valid shapes
  { attack: attacks.validAssertionSigned, what: 'assertion signed by the IdP', expected: 'ACCEPTED' },
  { attack: attacks.validBothSigned, what: 'assertion and response signed by the IdP', expected: 'ACCEPTED' },
  { attack: attacks.unsignedAssertionInSignedResponse, what: 'unsigned assertion inside a signed response', expected: 'ACCEPTED' },
  { attack: attacks.validIdpInitiated, what: 'IdP-initiated, no InResponseTo anywhere', expected: 'ACCEPTED' },
  // XML signature wrapping
  { attack: attacks.xsw1, what: 'evil response, signed original inside its Signature', expected: 'DUPLICATE_ID' },
  { attack: attacks.xsw1WithUniqueIds, what: 'XSW1 with the evil assertion renamed', expected: 'ASSERTION_COUNT' },
  { attack: attacks.xsw2, what: 'evil response, signed original before its Signature', expected: 'DUPLICATE_ID' },
  { attack: attacks.xsw2WithUniqueIds, what: 'XSW2 with the evil assertion renamed', expected: 'ASSERTION_COUNT' },
  { attack: attacks.xsw3, what: 'evil assertion before the signed one', expected: 'ASSERTION_COUNT' },
  { attack: attacks.xsw4, what: 'evil assertion wrapping the signed one', expected: 'ASSERTION_COUNT' },
  { attack: attacks.xsw5, what: 'evil assertion keeps the signature, original copy appended', expected: 'ASSERTION_COUNT' },
  { attack: attacks.xsw6, what: 'evil assertion keeps the signature, original copy inside it', expected: 'ASSERTION_COUNT' },
  { attack: attacks.xsw7, what: 'evil assertion in Extensions', expected: 'DUPLICATE_ID' },
  { attack: attacks.xsw7WithUniqueIds, what: 'XSW7 with the evil assertion renamed', expected: 'ASSERTION_COUNT' },
  { attack: attacks.xsw8, what: 'evil assertion in place, original in ds:Object of its signature', expected: 'DUPLICATE_ID' },
  { attack: attacks.xsw8WithUniqueIds, what: 'XSW8 with the evil assertion renamed', expected: 'ASSERTION_COUNT' },
  // Injection in NameID
  { attack: attacks.commentInjectionInNameId, what: 'admin@evil.com<!---->.attacker.com (signature still valid)', expected: 'COMMENT_OR_PROCESSING_INSTRUCTION' },
  { attack: attacks.processingInstructionInjectionInNameId, what: 'admin@evil.com<?x .attacker.com?> (signature still valid)', expected: 'COMMENT_OR_PROCESSING_INSTRUCTION' },
  // Signatures
  { attack: attacks.strippedSignature, what: 'ds:Signature elements removed, NameID edited', expected: 'UNSIGNED' },
  { attack: attacks.attackerKeyInfoCertificate, what: "re-signed with the attacker's key, attacker certificate in KeyInfo", expected: 'SIGNATURE_INVALID' },
  { attack: attacks.attackerKeyWithPinnedCertificateInKeyInfo, what: "attacker's key, the pinned certificate copied into KeyInfo", expected: 'SIGNATURE_INVALID' },
  { attack: attacks.unpinnedKeySignature, what: 'valid signature by an unpinned key, no KeyInfo', expected: 'SIGNATURE_INVALID' },
  { attack: attacks.modifiedNameIdAfterSigning, what: 'NameID text changed after signing', expected: 'SIGNATURE_INVALID' },
  { attack: attacks.sha1SignatureAlgorithm, what: 'rsa-sha1 signature', expected: 'WEAK_ALGORITHM' },
  { attack: attacks.sha1DigestAlgorithm, what: 'sha1 digest', expected: 'WEAK_ALGORITHM' },
  { attack: attacks.signatureInExtensions, what: 'a Signature inside samlp:Extensions', expected: 'SIGNATURE_MISPLACED' },
  { attack: attacks.assertionSignatureMovedToResponse, what: "assertion's signature moved to the response, assertion edited", expected: 'SIGNATURE_MISPLACED' },
  { attack: attacks.signatureReferencingAnotherElement, what: 'Reference URI names the Response, Signature sits in the Assertion', expected: 'SIGNATURE_MISPLACED' },
  { attack: attacks.signatureMovedToEndOfAssertion, what: "the assertion's Signature moved to the end of the Assertion (still enveloped)", expected: 'ACCEPTED' },
  { attack: attacks.signatureMovedIntoSubject, what: "the assertion's Signature moved into its Subject", expected: 'SIGNATURE_MISPLACED' },
  { attack: attacks.inclusiveNamespacesFromAncestor, what: 'Reference PrefixList names a prefix declared on the Response', expected: 'ACCEPTED' },
  { attack: attacks.inclusiveNamespaceRebound, what: 'that prefix rebound on the unsigned Response after signing', expected: 'SIGNATURE_INVALID' },
  { attack: attacks.bothSignedAssertionSignatureBroken, what: "both signed; NameID edited, Response re-signed: only the Response's signature verifies", expected: 'SIGNATURE_INVALID' },
  { attack: attacks.bothSignedResponseSignatureBroken, what: "both signed; Response IssueInstant edited: only the assertion's signature verifies", expected: 'SIGNATURE_INVALID' },
  // Protocol
  { attack: attacks.wrongDestination, what: "addressed to another SP's ACS", expected: 'WRONG_DESTINATION' },
  { attack: attacks.wrongRecipient, what: 'SubjectConfirmationData Recipient is another ACS', expected: 'WRONG_RECIPIENT' },
  { attack: attacks.responseForAnotherSpWithRewrittenDestination, what: "another SP's response, unsigned Destination rewritten", expected: 'WRONG_RECIPIENT' },
  { attack: attacks.wrongAudience, what: 'Audience is another SP', expected: 'WRONG_AUDIENCE' },
  { attack: attacks.wrongResponseIssuer, what: 'Response Issuer is another entity (same key)', expected: 'WRONG_ISSUER' },
  { attack: attacks.wrongAssertionIssuer, what: 'Assertion Issuer is another entity (same key)', expected: 'WRONG_ISSUER' },
  { attack: attacks.wrongInResponseTo, what: 'answers another AuthnRequest', expected: 'WRONG_IN_RESPONSE_TO' },
  { attack: attacks.inResponseToOnIdpInitiated, what: 'InResponseTo present, IdP-initiated expected', expected: 'WRONG_IN_RESPONSE_TO' },
  { attack: attacks.missingInResponseToOnSpInitiated, what: 'no InResponseTo on an SP-initiated login', expected: 'WRONG_IN_RESPONSE_TO' },
  { attack: attacks.signatureMethodNamedConstructor, what: 'SignatureMethod Algorithm="constructor" (a prototype member name)', expected: 'WEAK_ALGORITHM' },
  { attack: attacks.digestMethodNamedProto, what: 'DigestMethod Algorithm="__proto__"', expected: 'WEAK_ALGORITHM' },
  { attack: attacks.inclusiveNamespacesFlood, what: 'forged signature listing 400 InclusiveNamespaces prefixes', expected: 'WEAK_ALGORITHM' },
  { attack: attacks.signatureValueSplit, what: 'the genuine SignatureValue split into text and CDATA', expected: 'SIGNATURE_INVALID' },
  { attack: attacks.assertionWithoutConditions, what: 'IdP-signed assertion without Conditions (no AudienceRestriction)', expected: 'WRONG_AUDIENCE' },
  { attack: attacks.notAResponse, what: 'a bare signed Assertion instead of a Response', expected: 'NOT_A_RESPONSE' },
  { attack: attacks.wrongResponseVersion, what: 'Response Version="1.1"', expected: 'WRONG_VERSION' },
  { attack: attacks.wrongAssertionVersion, what: 'Assertion Version="1.1", signed', expected: 'WRONG_VERSION' },
  { attack: attacks.missingNameId, what: 'signed assertion whose Subject has no NameID', expected: 'NO_SUBJECT' },
  { attack: attacks.missingAuthnStatement, what: 'signed assertion without AuthnStatement', expected: 'NO_AUTHN_STATEMENT' },
  { attack: attacks.inResponseToAddedToUnsignedResponse, what: 'unsolicited assertion, our request ID added to the unsigned Response', expected: 'WRONG_IN_RESPONSE_TO' },
  // Time
  { attack: attacks.subjectConfirmationExpired, what: 'SubjectConfirmationData NotOnOrAfter 10 min ago (skew 2 min)', expected: 'EXPIRED' },
  { attack: attacks.subjectConfirmationExpiredIdpInitiated, what: 'the same on an IdP-initiated response', expected: 'EXPIRED' },
  { attack: attacks.subjectConfirmationExpiredWithinSkew, what: 'SubjectConfirmationData NotOnOrAfter 1 min ago (skew 2 min)', expected: 'ACCEPTED' },
  { attack: attacks.conditionsExpired, what: 'Conditions NotOnOrAfter 10 min ago', expected: 'EXPIRED' },
  { attack: attacks.conditionsExpiredWithinSkew, what: 'Conditions NotOnOrAfter 1 min ago', expected: 'ACCEPTED' },
  { attack: attacks.notYetValid, what: 'Conditions NotBefore in 10 min', expected: 'NOT_YET_VALID' },
  { attack: attacks.notYetValidWithinSkew, what: 'Conditions NotBefore in 1 min', expected: 'ACCEPTED' },
  { attack: attacks.missingSubjectConfirmation, what: 'no SubjectConfirmation', expected: 'NO_BEARER_CONFIRMATION' },
  { attack: attacks.missingBearerMethod, what: 'sender-vouches instead of bearer', expected: 'NO_BEARER_CONFIRMATION' },
  { attack: attacks.missingNotOnOrAfter, what: 'bearer confirmation without NotOnOrAfter', expected: 'EXPIRED' },
  // Status
  { attack: attacks.nonSuccessStatus, what: 'Responder status carrying a signed assertion', expected: 'STATUS_NOT_SUCCESS' },
  // XML
  { attack: attacks.unusedDoctype, what: 'unused DOCTYPE', expected: 'XML_REJECTED' },
  { attack: attacks.internalEntity, what: 'internal entity in NameID', expected: 'XML_REJECTED' },
  { attack: attacks.parameterEntity, what: 'parameter entity', expected: 'XML_REJECTED' },
  { attack: attacks.externalEntity, what: 'external entity (XXE) file:///etc/passwd', expected: 'XML_REJECTED' },
  { attack: attacks.billionLaughs, what: 'nested entity expansion', expected: 'XML_REJECTED' },
  { attack: attacks.deeplyNestedElements, what: '10,000 nested elements (150 KB)', expected: 'XML_REJECTED' },
  // Size, encoding, structure
  { attack: attacks.oversizedMessage, what: '1.2 MB response', expected: 'MESSAGE_TOO_LARGE' },
  { attack: attacks.messageJustOverSizeLimit, what: '256 KiB + 1 byte', expected: 'MESSAGE_TOO_LARGE' },
  { attack: attacks.lineWrappedBase64UnderSizeLimit, what: 'valid 252 KiB response, base64 in CRLF-wrapped 76-column lines', expected: 'ACCEPTED' },
  { attack: attacks.notBase64, what: 'raw XML instead of base64', expected: 'NOT_BASE64' },
  { attack: attacks.twoAssertions, what: 'two assertions, both signed by the IdP', expected: 'ASSERTION_COUNT' },
  { attack: attacks.encryptedAssertion, what: 'EncryptedAssertion', expected: 'ENCRYPTED_ASSERTION_UNSUPPORTED' },
  { attack: attacks.duplicateIds, what: "an element in Extensions reusing the assertion's ID", expected: 'DUPLICATE_ID' },
  // Work: what refusing it costs is measured by bench/saml-attack-comparison.ts
  { attack: attacks.manyElementsCpuExhaustion, what: '30,000 empty elements (125 KB), forged signature: refused by the pre-scan, no DOM built', expected: 'XML_REJECTED' },
];
