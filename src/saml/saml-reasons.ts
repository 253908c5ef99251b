/**
 * Why a SAML message was refused: a stable reason code (shown to the app in its error URL and in
 * the SSO log), and the rule of the SAML specification it enforces.
 */
export type SamlRejectReason =
  | 'MESSAGE_TOO_LARGE'
  | 'NOT_BASE64'
  | 'XML_REJECTED'
  | 'NOT_A_RESPONSE'
  | 'COMMENT_OR_PROCESSING_INSTRUCTION'
  | 'DUPLICATE_ID'
  | 'WRONG_VERSION'
  | 'STATUS_NOT_SUCCESS'
  | 'WRONG_DESTINATION'
  | 'WRONG_ISSUER'
  | 'ASSERTION_COUNT'
  | 'ENCRYPTED_ASSERTION_UNSUPPORTED'
  | 'UNSIGNED'
  | 'SIGNATURE_MISPLACED'
  | 'WEAK_ALGORITHM'
  | 'SIGNATURE_INVALID'
  | 'NO_SUBJECT'
  | 'NO_BEARER_CONFIRMATION'
  | 'WRONG_RECIPIENT'
  | 'WRONG_IN_RESPONSE_TO'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'WRONG_AUDIENCE'
  | 'NO_AUTHN_STATEMENT';
