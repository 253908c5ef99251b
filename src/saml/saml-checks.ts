import type { Document, Element } from '@xmldom/xmldom';
import type { ResponseExpectations } from './response-types.js';
import type { ResponseFacts } from './response-walk.js';
import type { SamlRejectReason } from './saml-reasons.js';
import { ALGORITHMS, verifyEnvelopedSignature, type SignatureParts } from './signature-verification.js';
import { childElements, NS, parseUntrustedXml, XmlRejectedError } from './xml.js';
import { XML_LIMITS } from './xml-limits.js';

/**
 * Every check a SAML Response passes, in the order they run, each with the reason it fails with
 * and the rule it enforces. This table is the validator (response-validation.ts runs it), the list
 * in docs/sso.md ("What is validated", kept equal by test/docs/saml-checks-docs.test.ts) and the
 * attack matrix's vocabulary (test/saml/saml-checks.test.ts: every reason here is produced by an
 * attack, every attack expects a reason from here).
 */
export interface SamlCheck<Subject> {
  /** Stable name of the check. */
  readonly id: string;
  readonly stage: SamlCheckStage;
  readonly reason: SamlRejectReason;
  /** The rule of the SAML specifications (or ssobridge's limit) that the check enforces. */
  readonly rule: string;
  /** What holds when the check passes, as docs/sso.md lists it (Markdown). */
  readonly holds: string;
  /** The refusal message for the person, or undefined when the check holds. */
  readonly run: (subject: Subject) => string | undefined;
}

/** The checks in the order they run; a stage's checks run once per subject of that stage. */
export const SAML_CHECK_STAGES = {
  message: 'the posted message',
  response: 'the Response',
  signature: 'each signature (the Response’s first)',
  assertion: 'the assertion',
  bearer: 'each bearer SubjectConfirmation, until one passes them all',
  conditions: 'the assertion’s conditions and statements',
} as const;
export type SamlCheckStage = keyof typeof SAML_CHECK_STAGES;

/** The posted SAMLResponse field on its way to a DOM: each message check fills in what it established. */
export interface PostedMessage {
  readonly field: string;
  /** The base64 text without line breaks. */
  compact: string;
  xml: string;
  document: Document | null;
}

export interface ResponseSubject {
  readonly facts: ResponseFacts;
  readonly expect: ResponseExpectations;
}

export interface SignatureSubject {
  readonly parts: SignatureParts;
  readonly certificatesPem: readonly string[];
}

export interface AssertionSubject {
  readonly assertion: Element;
  readonly expect: ResponseExpectations;
}

export interface BearerSubject {
  readonly data: Element | undefined;
  readonly expect: ResponseExpectations;
}

export const MAX_RESPONSE_BYTES = XML_LIMITS.samlResponse.maxBytes;
const PROTOCOL_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const ALLOWED_TRANSFORMS = new Set<string>([ALGORITHMS.envelopedSignature, ALGORITHMS.exclusiveC14n]);

export const text = (element: Element | undefined) => element?.textContent?.trim() ?? '';
export const parseTime = (value: string | null | undefined) => (value ? Date.parse(value) : Number.NaN);
/** Children of an element that may be missing: none then, never the grandparent's (no fallback to another level). */
const childrenOf = (parent: Element | undefined, namespace: string, localName: string) => (parent ? childElements(parent, namespace, localName) : []);
const child = (parent: Element | undefined, namespace: string, localName: string) => childrenOf(parent, namespace, localName)[0];
/** The assertion's bearer SubjectConfirmations (profiles §4.1.4.2: at least one must hold). */
export const bearerConfirmations = (assertion: Element) =>
  childrenOf(child(assertion, NS.saml, 'Subject'), NS.saml, 'SubjectConfirmation').filter((c) => c.getAttribute('Method') === BEARER);
export const subjectConfirmationData = (confirmation: Element) => child(confirmation, NS.saml, 'SubjectConfirmationData');
/** The assertion the checks and the reader use: the only one, directly inside the Response. */
export const assertionOf = (facts: ResponseFacts) => childElements(facts.response, NS.saml, 'Assertion')[0];
const audienceLists = (assertion: Element) =>
  childrenOf(child(assertion, NS.saml, 'Conditions'), NS.saml, 'AudienceRestriction').map((r) => childElements(r, NS.saml, 'Audience').map((a) => text(a)));
const MAX_INCLUSIVE_PREFIXES = 16;
const PREFIX = /^(#default|[A-Za-z_][A-Za-z0-9._-]*)$/;
const isAcceptedPrefixList = (list: string) => {
  const prefixes = list.split(/[ \t\r\n]+/).filter((prefix) => prefix.length > 0);
  return prefixes.length <= MAX_INCLUSIVE_PREFIXES && prefixes.every((prefix) => PREFIX.test(prefix));
};
const base64Length = (compact: string) => Math.floor((compact.length * 3) / 4) - (compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0);

export const messageChecks: readonly SamlCheck<PostedMessage>[] = [
  {
    id: 'message-size',
    stage: 'message',
    reason: 'MESSAGE_TOO_LARGE',
    rule: 'ssobridge limit on message size (denial of service)',
    holds: '`SAMLResponse` is at most 256 KiB once decoded (base64 may be wrapped in lines).',
    run: (message) => {
      const tooLarge = `The SAML response is larger than ${MAX_RESPONSE_BYTES / 1024} KiB.`;
      // Some IdPs wrap base64 in 76-column lines; allow for the line breaks before looking closer.
      if (message.field.length > Math.ceil((MAX_RESPONSE_BYTES * 4) / 3) * 1.1 + 64) return tooLarge;
      message.compact = message.field.replace(/[\r\n\t ]/g, '');
      return base64Length(message.compact) > MAX_RESPONSE_BYTES ? tooLarge : undefined;
    },
  },
  {
    id: 'message-base64',
    stage: 'message',
    reason: 'NOT_BASE64',
    rule: 'SAML bindings §3.5.4: the message is base64-encoded',
    holds: '`SAMLResponse` is strict base64.',
    run: (message) => {
      const { compact } = message;
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0 || compact.length === 0) return 'The SAMLResponse field is not base64.';
      message.xml = Buffer.from(compact, 'base64').toString('utf8');
      return undefined;
    },
  },
  {
    id: 'message-xml',
    stage: 'message',
    reason: 'XML_REJECTED',
    rule: 'SAML core §1.3: no DTDs; XML must be well-formed; ssobridge limits on message structure (denial of service)',
    holds:
      'Before any DOM is built, a linear pre-scan of the text: no DTD (`<!DOCTYPE`, `<!ENTITY`: no XXE, no entity expansion), at most 32 levels deep, 2,000 nodes, 2,000 attributes and 2,000 character or entity references ([limits](limits.md#xml-documents)); then the XML is well-formed. It is parsed once: every later check reads that one DOM.',
    run: (message) => {
      try {
        message.document = parseUntrustedXml(message.xml, 'samlResponse');
        return undefined;
      } catch (error) {
        if (error instanceof XmlRejectedError) return `The SAML response ${error.message}.`;
        throw error;
      }
    },
  },
  {
    id: 'message-root',
    stage: 'message',
    reason: 'NOT_A_RESPONSE',
    rule: 'SAML core §3.3.3: the reply to an AuthnRequest is a samlp:Response',
    holds: 'The root element is a SAML 2.0 `samlp:Response`.',
    run: ({ document }) => {
      const root = document?.documentElement;
      return root?.namespaceURI === NS.samlp && root.localName === 'Response' ? undefined : 'The message is not a samlp:Response.';
    },
  },
];

export const responseChecks: readonly SamlCheck<ResponseSubject>[] = [
  {
    id: 'no-comments',
    stage: 'response',
    reason: 'COMMENT_OR_PROCESSING_INSTRUCTION',
    rule: 'XML-DSig exc-c14n drops comments, so signed and read text could differ (CVE-2017-11427 class)',
    holds: 'No XML comment or processing instruction inside the message (they are dropped by canonicalization, so the text that was signed and the text that is read could differ).',
    run: ({ facts }) => (facts.hasCommentOrProcessingInstruction ? 'The SAML response contains an XML comment or processing instruction.' : undefined),
  },
  {
    id: 'unique-ids',
    stage: 'response',
    reason: 'DUPLICATE_ID',
    rule: 'XML Schema: xs:ID values are unique (signature wrapping defence)',
    holds: 'No `ID` value appears twice (signature wrapping).',
    run: ({ facts }) => (facts.repeatedId === null ? undefined : `The ID "${facts.repeatedId}" appears twice in the SAML response.`),
  },
  {
    id: 'response-version',
    stage: 'response',
    reason: 'WRONG_VERSION',
    rule: 'SAML core §3.2.2: Version="2.0"',
    holds: '`Version="2.0"` on the Response.',
    run: ({ facts }) => (facts.response.getAttribute('Version') === '2.0' ? undefined : 'The response is not SAML 2.0.'),
  },
  {
    id: 'destination',
    stage: 'response',
    reason: 'WRONG_DESTINATION',
    rule: 'SAML bindings §3.5.5.2: Destination must be the receiving endpoint',
    holds: '`Destination` is present and is our ACS URL for this connection.',
    run: ({ facts, expect }) => {
      const destination = facts.response.getAttribute('Destination');
      return destination && expect.acsUrls.includes(destination) ? undefined : `The response is addressed to ${destination ? `"${destination}"` : 'no Destination'}, not to this ACS URL.`;
    },
  },
  {
    id: 'response-issuer',
    stage: 'response',
    reason: 'WRONG_ISSUER',
    rule: 'SAML profiles §4.1.4.2: Issuer is the IdP',
    holds: "The Response's `Issuer`, if present, is the customer's IdP entity ID.",
    run: ({ facts, expect }) => {
      const issuer = child(facts.response, NS.saml, 'Issuer');
      return !issuer || text(issuer) === expect.idpEntityId ? undefined : `The response was issued by "${text(issuer)}", not by the configured IdP.`;
    },
  },
  {
    id: 'response-in-response-to',
    stage: 'response',
    reason: 'WRONG_IN_RESPONSE_TO',
    rule: 'SAML profiles §4.1.4.2: the Response InResponseTo matches the request',
    holds: "`InResponseTo` is our request's ID (SP-initiated) or absent (IdP-initiated).",
    run: ({ facts, expect }) => {
      if (facts.inResponseTo === expect.inResponseTo) return undefined;
      return expect.inResponseTo === null ? 'An unsolicited (IdP-initiated) response must not carry InResponseTo.' : 'The response does not answer our authentication request.';
    },
  },
  {
    id: 'status-success',
    stage: 'response',
    reason: 'STATUS_NOT_SUCCESS',
    rule: 'SAML core §3.2.2.2: only Success carries an assertion to trust',
    holds: 'The status is `urn:oasis:names:tc:SAML:2.0:status:Success`.',
    run: ({ facts }) => {
      const status = child(child(facts.response, NS.samlp, 'Status'), NS.samlp, 'StatusCode')?.getAttribute('Value');
      return status === PROTOCOL_SUCCESS ? undefined : `The identity provider answered with status ${status ?? '(none)'}.`;
    },
  },
  {
    id: 'not-encrypted',
    stage: 'response',
    reason: 'ENCRYPTED_ASSERTION_UNSUPPORTED',
    rule: 'ssobridge: no decryption key is configured',
    holds: 'The assertion is not encrypted (decryption is not supported).',
    run: ({ facts }) => (facts.hasEncryptedAssertion ? 'Encrypted assertions are not supported; ask the IdP to sign the assertion without encrypting it.' : undefined),
  },
  {
    id: 'one-assertion',
    stage: 'response',
    reason: 'ASSERTION_COUNT',
    rule: 'SAML profiles §4.1.4.2 (signature wrapping defence)',
    holds: 'Exactly one assertion in the whole message, directly inside the Response.',
    run: ({ facts }) =>
      facts.assertions.length === 1 && assertionOf(facts) ? undefined : `The response must contain exactly one assertion, directly inside it; it has ${facts.assertions.length}.`,
  },
  {
    id: 'signature-places',
    stage: 'response',
    reason: 'SIGNATURE_MISPLACED',
    rule: 'SAML core §5.4.1 (signature wrapping defence)',
    holds: 'Signatures sit only on the Response and the Assertion.',
    run: ({ facts }) => {
      const assertion = assertionOf(facts);
      const misplaced = facts.signatures.some((signature) => signature.parentNode !== facts.response && signature.parentNode !== assertion);
      return misplaced ? 'The response contains a signature outside the Response and Assertion elements.' : undefined;
    },
  },
  {
    id: 'signed',
    stage: 'response',
    reason: 'UNSIGNED',
    rule: 'SAML profiles §4.1.3.5: the assertion must be signed (or the whole response)',
    holds: 'The assertion is signed, or the whole Response is.',
    run: ({ facts }) => (facts.signatures.length > 0 ? undefined : 'Neither the response nor the assertion is signed.'),
  },
];

export const signatureChecks: readonly SamlCheck<SignatureSubject>[] = [
  {
    id: 'signature-algorithm',
    stage: 'signature',
    reason: 'WEAK_ALGORITHM',
    rule: 'SAML conformance: SHA-1 is deprecated (NIST SP 800-131A); SAML core §5.4.3: exclusive C14N',
    holds: 'The signature uses RSA-SHA256/384/512 and exclusive C14N (no SHA-1).',
    run: ({ parts: { signatureMethod: method, canonicalizationMethod: c14n } }) =>
      method && ALGORITHMS.signature.has(method) && c14n === ALGORITHMS.exclusiveC14n
        ? undefined
        : `The signature uses ${method ?? 'no'} signature algorithm with ${c14n ?? 'no'} canonicalization; only RSA-SHA256/384/512 with exclusive C14N are accepted.`,
  },
  {
    id: 'signature-one-reference',
    stage: 'signature',
    reason: 'SIGNATURE_INVALID',
    rule: 'SAML core §5.4.2: one reference to the signed element',
    holds: 'The signature has one `SignedInfo` with one `Reference`.',
    run: ({ parts }) => (parts.signedInfos.length === 1 && parts.references.length === 1 ? undefined : 'The signature must have exactly one SignedInfo with exactly one Reference.'),
  },
  {
    id: 'signature-covers-parent',
    stage: 'signature',
    reason: 'SIGNATURE_MISPLACED',
    rule: 'SAML core §5.4.2: the Reference URI is the ID of the enveloping element',
    holds: 'The Reference names the element that contains the signature, by its `ID`.',
    run: ({ parts }) => {
      const id = parts.enveloping.getAttribute('ID');
      return id && parts.references[0]!.getAttribute('URI') === `#${id}` ? undefined : 'The signature does not cover the element that contains it.';
    },
  },
  {
    id: 'signature-digest',
    stage: 'signature',
    reason: 'WEAK_ALGORITHM',
    rule: 'SAML conformance: SHA-1 digests are deprecated (NIST SP 800-131A)',
    holds: 'The digest is SHA-256/384/512.',
    run: ({ parts: { digestMethod } }) =>
      digestMethod && ALGORITHMS.digest.has(digestMethod) ? undefined : `The signature digest ${digestMethod ?? '(none)'} is not accepted; use SHA-256 or stronger.`,
  },
  {
    id: 'signature-transforms',
    stage: 'signature',
    reason: 'WEAK_ALGORITHM',
    rule: 'SAML core §5.4.4: enveloped-signature and exclusive C14N only',
    holds: 'The only transforms are enveloped-signature then exclusive C14N, each at most once and in that order.',
    run: ({ parts: { transforms } }) => {
      const allowed = transforms.every((t) => ALLOWED_TRANSFORMS.has(t)) && new Set(transforms).size === transforms.length;
      // The enveloped transform works on a node-set: after C14N there is only text (XML-DSig §6.6.4).
      const ordered = transforms.indexOf(ALGORITHMS.envelopedSignature) <= 0;
      return allowed && ordered ? undefined : `The signature uses a transform that is not accepted (${transforms.join(', ')}).`;
    },
  },
  {
    id: 'signature-prefix-lists',
    stage: 'signature',
    reason: 'WEAK_ALGORITHM',
    rule: 'ssobridge limit: an InclusiveNamespaces PrefixList names at most 16 prefixes (exclusive C14N costs prefixes × namespace declarations; denial of service)',
    holds: `Each \`InclusiveNamespaces\` \`PrefixList\` names at most ${MAX_INCLUSIVE_PREFIXES} prefixes, each a name or \`#default\`.`,
    run: ({ parts: { prefixListAttributes } }) =>
      prefixListAttributes.every(isAcceptedPrefixList) ? undefined : 'The signature names too many or malformed InclusiveNamespaces prefixes.',
  },
  {
    id: 'signature-verifies',
    stage: 'signature',
    reason: 'SIGNATURE_INVALID',
    rule: "SAML core §5.4: signatures are verified with the IdP's known key",
    holds:
      "The signature verifies with one of the certificates configured on the customer connection, and the digest of the element it covers matches. A certificate in the message's `KeyInfo` is ignored.",
    run: ({ parts, certificatesPem }) =>
      verifyEnvelopedSignature(parts, certificatesPem) ? undefined : 'The signature does not verify with any certificate configured for this identity provider.',
  },
];

export const assertionChecks: readonly SamlCheck<AssertionSubject>[] = [
  {
    id: 'assertion-version',
    stage: 'assertion',
    reason: 'WRONG_VERSION',
    rule: 'SAML core §2.3.3: Version="2.0"',
    holds: 'The assertion has `Version="2.0"`. It is the element whose signature verified, or the one inside the Response whose signature verified: everything from here on is read from that node.',
    run: ({ assertion }) => (assertion.getAttribute('Version') === '2.0' ? undefined : 'The assertion is not SAML 2.0.'),
  },
  {
    id: 'assertion-id',
    stage: 'assertion',
    reason: 'ASSERTION_COUNT',
    rule: 'SAML core §2.3.3: ID is required (and keys the replay cache)',
    holds: 'The assertion has an `ID`.',
    run: ({ assertion }) => (assertion.getAttribute('ID') ? undefined : 'The assertion has no ID.'),
  },
  {
    id: 'assertion-issuer',
    stage: 'assertion',
    reason: 'WRONG_ISSUER',
    rule: 'SAML profiles §4.1.4.2: the assertion Issuer is the IdP',
    holds: "The assertion's `Issuer` is the customer's IdP entity ID.",
    run: ({ assertion, expect }) => {
      const issuer = text(child(assertion, NS.saml, 'Issuer'));
      return issuer === expect.idpEntityId ? undefined : `The assertion was issued by "${issuer}", not by the configured IdP.`;
    },
  },
  {
    id: 'subject',
    stage: 'assertion',
    reason: 'NO_SUBJECT',
    rule: 'SAML profiles §4.1.4.2: the assertion names its subject',
    holds: 'A `Subject` with a non-empty `NameID`.',
    run: ({ assertion }) => (text(child(child(assertion, NS.saml, 'Subject'), NS.saml, 'NameID')) === '' ? 'The assertion has no Subject with a NameID.' : undefined),
  },
  {
    id: 'bearer-confirmation',
    stage: 'assertion',
    reason: 'NO_BEARER_CONFIRMATION',
    rule: 'SAML profiles §4.1.4.2: at least one bearer SubjectConfirmation',
    holds: 'A bearer `SubjectConfirmation` (then at least one must pass all of the next checks).',
    run: ({ assertion }) => (bearerConfirmations(assertion).length > 0 ? undefined : 'The assertion has no bearer SubjectConfirmation.'),
  },
];

export const bearerChecks: readonly SamlCheck<BearerSubject>[] = [
  {
    id: 'bearer-data',
    stage: 'bearer',
    reason: 'NO_BEARER_CONFIRMATION',
    rule: 'SAML profiles §4.1.4.2: the bearer confirmation carries SubjectConfirmationData',
    holds: 'It has `SubjectConfirmationData`.',
    run: ({ data }) => (data ? undefined : 'The bearer SubjectConfirmation has no SubjectConfirmationData.'),
  },
  {
    id: 'bearer-recipient',
    stage: 'bearer',
    reason: 'WRONG_RECIPIENT',
    rule: 'SAML profiles §4.1.4.2: Recipient is the ACS URL',
    holds: '`Recipient` is our ACS URL for this connection.',
    run: ({ data, expect }) => {
      const recipient = data!.getAttribute('Recipient');
      return recipient && expect.acsUrls.includes(recipient) ? undefined : `The assertion is for recipient ${recipient ? `"${recipient}"` : '(none)'}, not this ACS URL.`;
    },
  },
  {
    id: 'bearer-not-on-or-after-present',
    stage: 'bearer',
    reason: 'EXPIRED',
    rule: 'SAML profiles §4.1.4.2: NotOnOrAfter is required',
    holds: '`NotOnOrAfter` is present…',
    run: ({ data }) => (Number.isNaN(parseTime(data!.getAttribute('NotOnOrAfter'))) ? 'The bearer confirmation has no NotOnOrAfter.' : undefined),
  },
  {
    id: 'bearer-not-on-or-after',
    stage: 'bearer',
    reason: 'EXPIRED',
    rule: 'SAML core §2.4.1.2: SubjectConfirmationData NotOnOrAfter',
    holds: '…and not past.',
    run: ({ data, expect }) =>
      expect.now >= parseTime(data!.getAttribute('NotOnOrAfter')) + expect.clockSkewMs ? 'The assertion has expired (SubjectConfirmationData NotOnOrAfter).' : undefined,
  },
  {
    id: 'bearer-not-before',
    stage: 'bearer',
    reason: 'NOT_YET_VALID',
    rule: 'SAML core §2.4.1.2: SubjectConfirmationData NotBefore',
    holds: '`NotBefore`, if present, is not in the future.',
    run: ({ data, expect }) => (expect.now < parseTime(data!.getAttribute('NotBefore')) - expect.clockSkewMs ? 'The assertion is not valid yet (SubjectConfirmationData NotBefore).' : undefined),
  },
  {
    id: 'bearer-in-response-to',
    stage: 'bearer',
    reason: 'WRONG_IN_RESPONSE_TO',
    rule: 'SAML profiles §4.1.4.2: the SubjectConfirmationData InResponseTo matches the request',
    holds: "`InResponseTo` is our request's ID (SP-initiated) or absent (IdP-initiated).",
    run: ({ data, expect }) => ((data!.getAttribute('InResponseTo') || null) === expect.inResponseTo ? undefined : 'The assertion does not answer our authentication request.'),
  },
];

export const conditionChecks: readonly SamlCheck<AssertionSubject>[] = [
  {
    id: 'conditions-not-before',
    stage: 'conditions',
    reason: 'NOT_YET_VALID',
    rule: 'SAML core §2.5.1.2: Conditions NotBefore',
    holds: '`Conditions` `NotBefore`, if present, is not in the future.',
    run: ({ assertion, expect }) =>
      expect.now < parseTime(child(assertion, NS.saml, 'Conditions')?.getAttribute('NotBefore')) - expect.clockSkewMs ? 'The assertion is not valid yet (Conditions NotBefore).' : undefined,
  },
  {
    id: 'conditions-not-on-or-after',
    stage: 'conditions',
    reason: 'EXPIRED',
    rule: 'SAML core §2.5.1.2: Conditions NotOnOrAfter',
    holds: '`Conditions` `NotOnOrAfter`, if present, is not past.',
    run: ({ assertion, expect }) =>
      expect.now >= parseTime(child(assertion, NS.saml, 'Conditions')?.getAttribute('NotOnOrAfter')) + expect.clockSkewMs ? 'The assertion has expired (Conditions NotOnOrAfter).' : undefined,
  },
  {
    id: 'audience',
    stage: 'conditions',
    reason: 'WRONG_AUDIENCE',
    rule: 'SAML core §2.5.1.4 and profiles §4.1.4.2',
    holds: 'At least one `AudienceRestriction`, and each one lists our SP entity ID for this connection.',
    run: ({ assertion, expect }) => {
      const lists = audienceLists(assertion);
      return lists.length > 0 && lists.every((list) => list.includes(expect.audience))
        ? undefined
        : `The assertion is not for this service provider (audience ${lists.flat().join(', ') || 'missing'}).`;
    },
  },
  {
    id: 'authn-statement',
    stage: 'conditions',
    reason: 'NO_AUTHN_STATEMENT',
    rule: 'SAML profiles §4.1.4.2: at least one AuthnStatement',
    holds: 'An `AuthnStatement`…',
    run: ({ assertion }) => (child(assertion, NS.saml, 'AuthnStatement') ? undefined : 'The assertion has no AuthnStatement.'),
  },
  {
    id: 'authn-instant',
    stage: 'conditions',
    reason: 'NO_AUTHN_STATEMENT',
    rule: 'SAML core §2.7.2: AuthnInstant is required',
    holds: '…with a valid `AuthnInstant`.',
    run: ({ assertion }) =>
      Number.isNaN(parseTime(child(assertion, NS.saml, 'AuthnStatement')!.getAttribute('AuthnInstant'))) ? 'The AuthnStatement has no valid AuthnInstant.' : undefined,
  },
];

/** Every check, in the order the validator runs them. */
export const samlChecks: readonly Omit<SamlCheck<never>, 'run'>[] = [...messageChecks, ...responseChecks, ...signatureChecks, ...assertionChecks, ...bearerChecks, ...conditionChecks];
