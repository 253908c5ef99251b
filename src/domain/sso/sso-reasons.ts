import type { SamlRejectReason } from '../../saml/saml-reasons.js';

/** Reasons the SSO runtime itself gives (its steps: initsso-flow.ts, acs-flow.ts), besides the SAML checks it passes through. */
export type SsoRuntimeReason =
  | 'UNKNOWN_APPLICATION'
  | 'APPLICATION_DISABLED'
  | 'INVALID_ERROR_URL'
  | 'INVALID_APP_URL'
  | 'UNKNOWN_IDP'
  | 'IDP_NOT_CONNECTED'
  | 'IDP_DISABLED'
  | 'MISSING_RESPONSE'
  | 'UNKNOWN_REQUEST'
  | 'RELAY_STATE_MISMATCH'
  | 'BROWSER_MISMATCH'
  | 'REQUEST_ALREADY_USED'
  | 'REQUEST_EXPIRED'
  | 'UNSOLICITED_WITHOUT_APPLICATION'
  | 'IDP_INITIATED_DISABLED'
  | 'REPLAY'
  | 'REQUIRED_ATTRIBUTE_MISSING'
  | 'FORCE_AUTHN_IGNORED'
  | 'OIDC_AUTHORIZATION_REQUIRED';


/** Every machine-readable reason a login can fail with (the `error` of the error URL, and the SSO log). */
export type SsoFailureReason = SsoRuntimeReason | SamlRejectReason;

/** The reason recorded for a login that was delivered to the application. */
export const SSO_SUCCESS_REASON = 'OK';

/**
 * What each reason means to an admin reading the sign-in log, and what to do about it. Typed as
 * a complete record, so a new reason cannot be added without its description.
 */
export const ssoReasonDescriptions: Readonly<Record<SsoFailureReason | typeof SSO_SUCCESS_REASON, string>> = {
  OK: 'Signed in: the login was delivered to the application.',

  // Starting a login (GET /sso/sp/initsso) and routing a response.
  UNKNOWN_APPLICATION: 'The link or response names no known application (saasid).',
  APPLICATION_DISABLED: 'The application is disabled, so it refuses logins.',
  INVALID_ERROR_URL: "The errorurl is not an https URL on the application's configured host, so it was ignored.",
  INVALID_APP_URL: "The appurl is not an https URL on the application's configured host.",
  UNKNOWN_IDP: 'No customer identity provider with this idpId or issuer is connected to the application (or it was deleted during the login).',
  IDP_NOT_CONNECTED: 'The customer is not connected to this application.',
  IDP_DISABLED: 'Sign-in through this customer connection is disabled.',
  MISSING_RESPONSE: 'Nothing was posted to the ACS: no SAMLResponse field.',
  UNKNOWN_REQUEST: 'The response answers (InResponseTo) a sign-in that was not started here, or whose record was already removed.',
  RELAY_STATE_MISMATCH: 'The RelayState returned by the IdP does not belong to this sign-in.',
  BROWSER_MISMATCH: 'The response was posted by a browser other than the one that started the sign-in (login CSRF defence); the user should start again from the application.',
  REQUEST_ALREADY_USED: 'This sign-in was already completed; the response was posted twice.',
  REQUEST_EXPIRED: 'The user took more than 10 minutes at the identity provider; they must start again.',
  UNSOLICITED_WITHOUT_APPLICATION: 'An IdP-initiated response did not name the application (?saasid= or RelayState=https://pingone.com/1.0/<saasid>).',
  IDP_INITIATED_DISABLED: "An IdP-initiated response came from a customer connection that does not allow IdP-initiated sign-in (the connection's idpInitiatedLogin setting); users must start from the application.",
  REPLAY: 'This assertion was already used once (replay).',
  REQUIRED_ATTRIBUTE_MISSING: 'The identity provider did not send an attribute the application requires.',
  FORCE_AUTHN_IGNORED: 'The sign-in asked the IdP to authenticate the user again (forceauthn=true), but the assertion reports an authentication from before the request.',
  OIDC_AUTHORIZATION_REQUIRED: 'An IdP-initiated response named an OpenID Connect application: OIDC apps receive sign-ins only for their own authorization requests, so users must start from the application.',

  // The SAML response checks (src/saml/response-validation.ts).
  MESSAGE_TOO_LARGE: 'The SAML response is larger than 256 KiB.',
  NOT_BASE64: 'The SAMLResponse field is not base64.',
  XML_REJECTED: 'The response is not well-formed XML, contains a DTD or entity declaration, or is over one of the XML limits (depth, nodes, attributes, references; see docs/limits.md).',
  NOT_A_RESPONSE: 'The posted message is not a SAML 2.0 samlp:Response.',
  COMMENT_OR_PROCESSING_INSTRUCTION: 'The response contains an XML comment or processing instruction, which could make signed and read text differ.',
  DUPLICATE_ID: 'An ID appears twice in the response (a signature-wrapping pattern).',
  WRONG_VERSION: 'The response or assertion is not SAML 2.0.',
  STATUS_NOT_SUCCESS: 'The identity provider answered with an error status instead of Success (for example, the user cancelled or is not assigned to the app).',
  WRONG_DESTINATION: "The response's Destination is not our ACS URL for this connection (or is missing).",
  WRONG_ISSUER: "The response or assertion Issuer is not the customer's IdP entity ID.",
  ASSERTION_COUNT: 'The response does not contain exactly one assertion directly inside it.',
  ENCRYPTED_ASSERTION_UNSUPPORTED: 'The assertion is encrypted; ask the customer to sign it without encrypting it.',
  UNSIGNED: 'Neither the response nor the assertion is signed.',
  SIGNATURE_MISPLACED: 'A signature does not cover the element that contains it, or sits outside the Response and Assertion.',
  WEAK_ALGORITHM: 'The signature uses SHA-1 or an algorithm or transform that is not accepted (RSA-SHA256/384/512 with exclusive C14N only).',
  SIGNATURE_INVALID: "The signature does not verify with the connection's certificates (the IdP may have rolled its signing key).",
  NO_SUBJECT: 'The assertion names no subject (no Subject with a NameID).',
  NO_BEARER_CONFIRMATION: 'The assertion has no bearer SubjectConfirmation with SubjectConfirmationData.',
  WRONG_RECIPIENT: "The SubjectConfirmationData Recipient is not our ACS URL for this connection.",
  WRONG_IN_RESPONSE_TO: 'InResponseTo does not match: an SP-initiated response must answer our request; an IdP-initiated one must not carry it, nor bring back the RelayState of a sign-in started here.',
  EXPIRED: 'The assertion has expired (NotOnOrAfter), allowing 3 minutes of clock skew; check the IdP clock.',
  NOT_YET_VALID: 'The assertion is not valid yet (NotBefore), allowing 3 minutes of clock skew; check the IdP clock.',
  WRONG_AUDIENCE: "The assertion's Audience is not our SP entity ID for this connection (multiplexed and non-multiplexed connections have different entity IDs).",
  NO_AUTHN_STATEMENT: 'The assertion has no AuthnStatement.',
};

/** The description of a recorded reason; reasons from older versions fall back to a neutral text. */
export function describeSsoReason(reason: string): string {
  return Object.hasOwn(ssoReasonDescriptions, reason) ? ssoReasonDescriptions[reason as keyof typeof ssoReasonDescriptions] : 'No description for this reason.';
}
