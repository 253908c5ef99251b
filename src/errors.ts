import type { SsoFailureReason } from './domain/sso/sso-reasons.js';

/**
 * The one family of errors the domain raises. Each surface (API, console, SSO) maps it to its
 * own shape in one place; `message` is safe to show, `detail` is for logs only.
 */
export type ErrorKind =
  | 'validation'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'precondition_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'rate_limited'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'uri_too_long'
  | 'headers_too_large'
  | 'unavailable'
  | 'saml'
  | 'internal';

const statusByKind: Record<ErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  uri_too_long: 414,
  headers_too_large: 431,
  rate_limited: 429,
  saml: 400,
  internal: 500,
  unavailable: 503,
};

/** Stable error codes; docs/errors.md lists them and a test keeps the two in sync. */
export const errorCodes = {
  VALIDATION_FAILED: 'validation',
  CREDENTIAL_LIMIT_REACHED: 'conflict',
  CREDENTIAL_NOT_FOUND: 'not_found',
  GLOBAL_SECRET_NOT_SET: 'conflict',
  CUSTOMER_NOT_FOUND: 'not_found',
  TOKEN_NOT_FOUND: 'not_found',
  APPLICATION_NOT_FOUND: 'not_found',
  APPLICATION_CONFLICT: 'conflict',
  APPLICATION_NOT_OIDC: 'conflict',
  OIDC_CLIENT_SECRET_LIMIT: 'conflict',
  OIDC_CLIENT_SECRET_LAST: 'conflict',
  OIDC_CLIENT_SECRET_NOT_FOUND: 'not_found',
  WEBHOOK_ENDPOINT_LIMIT_REACHED: 'conflict',
  WEBHOOK_ENDPOINT_NOT_FOUND: 'not_found',
  WEBHOOK_DELIVERY_NOT_FOUND: 'not_found',
  CUSTOMER_CONFLICT: 'conflict',
  CUSTOMER_EXISTS: 'conflict',
  PRECONDITION_FAILED: 'precondition_failed',
  MULTIPLEXING_NOT_ALLOWED: 'conflict',
  SIGNING_KEY_NOT_FOUND: 'not_found',
  SIGNING_KEY_CONFLICT: 'conflict',
  METADATA_INVALID: 'validation',
  METADATA_FETCH_FAILED: 'validation',
  ROUTE_NOT_FOUND: 'not_found',
  METHOD_NOT_ALLOWED: 'method_not_allowed',
  AUTHENTICATION_REQUIRED: 'unauthenticated',
  INVALID_CREDENTIALS: 'unauthenticated',
  MALFORMED_AUTHORIZATION: 'unauthenticated',
  TOO_MANY_ATTEMPTS: 'rate_limited',
  TOO_MANY_REQUESTS: 'rate_limited',
  INVALID_SIGN_IN: 'unauthenticated',
  SETUP_TOKEN_INVALID: 'not_found',
  SETUP_LINK_NOT_FOUND: 'not_found',
  APPLICATION_ALREADY_CONNECTED: 'conflict',
  MAIL_NOT_CONFIGURED: 'precondition_failed',
  MAIL_NOT_SENT: 'unavailable',
  ADMIN_EXISTS: 'conflict',
  ADMIN_NOT_FOUND: 'not_found',
  LAST_ADMIN: 'conflict',
  ADMIN_INVITATION_INVALID: 'not_found',
  INVALID_MFA_CODE: 'unauthenticated',
  MFA_NOT_ENROLLED: 'conflict',
  MFA_ALREADY_ENROLLED: 'conflict',
  MFA_REQUIRED: 'conflict',
  ACCOUNT_NOT_FOUND: 'not_found',
  BODY_TOO_LARGE: 'payload_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  HEADERS_TOO_LARGE: 'headers_too_large',
  MALFORMED_REQUEST: 'validation',
  CSRF_TOKEN_INVALID: 'forbidden',
  INTERNAL_ERROR: 'internal',
  KEY_ENCRYPTION_KEY_MISMATCH: 'internal',
  URI_TOO_LONG: 'uri_too_long',
  DATABASE_UNAVAILABLE: 'unavailable',
  SIGN_IN_FAILED: 'saml',
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof errorCodes;

export interface FieldError {
  /** Dotted path of the field, e.g. `clientSecret`. */
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly status: number;
  readonly fields: FieldError[] | undefined;
  readonly detail: string | undefined;
  /** Seconds a throttled client should wait; set for rate_limited. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { fields?: FieldError[]; detail?: string; cause?: unknown; retryAfterSeconds?: number; status?: number } = {},
  ) {
    // Expected refusals (4xx) skip the stack capture, which is most of their cost under a flood
    // of bad requests; internal errors keep it for the log.
    const stackLimit = Error.stackTraceLimit;
    if (errorCodes[code] !== 'internal') Error.stackTraceLimit = 0;
    super(message, { cause: options.cause });
    Error.stackTraceLimit = stackLimit;
    this.name = 'AppError';
    this.code = code;
    this.kind = errorCodes[code];
    this.status = options.status ?? statusByKind[this.kind];
    this.fields = options.fields;
    this.detail = options.detail;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * A sign-in that cannot go on (kind `saml`): `reason` is machine-readable (sent to the app's error
 * URL and kept in the sign-in log), `rule` is the specification rule a SAML check enforces (for the
 * log and the sign-in log's detail), `message` is for the person.
 */
export class SsoFailure extends AppError {
  readonly reason: SsoFailureReason;
  readonly rule: string | null;
  /**
   * Where to send the person: only ever a URL the application configured or one that matched its
   * host rule. `undefined` until the SSO pipeline decides it from what the login has established
   * so far; `null` means show ssobridge's error page.
   */
  errorUrl: string | null | undefined;
  /**
   * The account whose sign-in failed, once the login has been traced to one: its error page
   * carries that account's branding. Undefined for a post that names no account we know.
   */
  accountId: string | undefined = undefined;

  constructor(
    reason: SsoFailureReason,
    message: string,
    options: { rule?: string; errorUrl?: string | null; status?: number; detail?: string } = {},
  ) {
    super('SIGN_IN_FAILED', message, { status: options.status ?? 400, ...(options.detail !== undefined && { detail: options.detail }) });
    this.name = 'SsoFailure';
    this.reason = reason;
    this.rule = options.rule ?? null;
    this.errorUrl = options.errorUrl;
  }
}

export function validationError(fields: FieldError[], message = 'The request has invalid fields.'): AppError {
  return new AppError('VALIDATION_FAILED', message, { fields });
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
