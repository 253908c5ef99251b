import type { Document, Element } from '@xmldom/xmldom';
import type { ResponseExpectations, ValidatedAssertion } from './response-types.js';
import { walkResponse, type ResponseFacts } from './response-walk.js';
import { readAssertion } from './assertion-reading.js';
import {
  assertionChecks,
  assertionOf,
  bearerChecks,
  bearerConfirmations,
  conditionChecks,
  messageChecks,
  responseChecks,
  signatureChecks,
  subjectConfirmationData,
  type PostedMessage,
} from './saml-checks.js';
import { firstFailure, runChecks } from './saml-rejection.js';
import { readSignature } from './signature-verification.js';
import { childElements, NS } from './xml.js';

export type { ResponseExpectations, ValidatedAssertion } from './response-types.js';
export { MAX_RESPONSE_BYTES } from './saml-checks.js';

/**
 * SAML Response validation on one parse: the message checks decode and parse the posted field
 * once (under the bounded pre-scan), one walk collects what the checks need from the whole
 * document, and the checks of saml-checks.ts run in order over that DOM. Signatures are verified
 * on the nodes in hand, and the identity is read from the assertion node whose canonical form
 * was digested (or that sits inside the Response whose canonical form was).
 */

/** Unverified facts read only to find the connection whose settings will then be enforced. */
export interface ResponseRouting {
  issuer: string | null;
  inResponseTo: string | null;
}

/** A posted response, decoded, parsed and walked once: routing reads it, then validation checks it. */
export interface ParsedResponse {
  readonly xml: string;
  readonly document: Document;
  readonly facts: ResponseFacts;
}

/** Decodes and parses the SAMLResponse field (size, base64, pre-scan, XML), refusing anything but a samlp:Response. */
export function parseSamlResponse(samlResponse: string): ParsedResponse {
  const message: PostedMessage = { field: samlResponse, compact: '', xml: '', document: null };
  runChecks(messageChecks, message);
  const document = message.document!;
  return { xml: message.xml, document, facts: walkResponse(document) };
}

const parsedOf = (response: string | ParsedResponse) => (typeof response === 'string' ? parseSamlResponse(response) : response);

/** Reads the issuer and InResponseTo without trusting them, to find the connection and transaction. */
export function peekResponse(response: string | ParsedResponse): ResponseRouting {
  const { issuer, inResponseTo } = parsedOf(response).facts;
  return { issuer, inResponseTo };
}

/**
 * Validates a SAML Response from a customer's IdP: every check of the table, in order, each
 * citing the rule it enforces. Takes the posted field, or the response the ACS already parsed for
 * routing (it is not parsed twice).
 */
export function validateSamlResponse(posted: string | ParsedResponse, expect: ResponseExpectations): ValidatedAssertion {
  const { facts } = parsedOf(posted);
  runChecks(responseChecks, { facts, expect });
  const assertion = assertionOf(facts)!;
  // Each signature once, the Response's first (it covers the assertion's).
  for (const signed of [facts.response, assertion]) {
    for (const signature of childElements(signed, NS.ds, 'Signature')) {
      runChecks(signatureChecks, { parts: readSignature(signature, signed), certificatesPem: expect.idpCertificatesPem });
    }
  }
  runChecks(assertionChecks, { assertion, expect });
  confirmBearer(assertion, expect);
  runChecks(conditionChecks, { assertion, expect });
  return readAssertion(assertion, expect);
}

/** At least one bearer SubjectConfirmation must pass every bearer check (profiles §4.1.4.3); else the first one's failure. */
function confirmBearer(assertion: Element, expect: ResponseExpectations): void {
  let firstProblem: Error | undefined;
  for (const confirmation of bearerConfirmations(assertion)) {
    const problem = firstFailure(bearerChecks, { data: subjectConfirmationData(confirmation), expect });
    if (!problem) return;
    firstProblem ??= problem;
  }
  throw firstProblem!;
}
