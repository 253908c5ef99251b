import pino, { type Logger } from 'pino';

/** Query parameters whose values must never reach a log line. */
const SECRET_QUERY = /([?&](?:token|secret|client_secret|password)=)[^&#]*/gi;

/**
 * The token exchange's path ends in the single-use token (`/sso/TXS/2.0/{1|2}/{tokenid}`): whoever
 * reads it before the application does can exchange it. Matched case-insensitively and on any
 * form segment, so a mistyped path that reaches the not-found handler is hidden too.
 */
const TOKEN_EXCHANGE_PATH = /^(\/+sso\/+TXS\/+2\.0\/+[^/?#]*\/+)[^?#]+/i;

/** A customer setup link (`/setup/{secret}/…`, src/domain/setup-links): its secret opens the portal. */
const SETUP_LINK_PATH = /^(\/+setup\/+)[^/?#]+/i;

/**
 * Our bearer secrets in URLs (setup-link secrets, one-time tokens) are 32 random bytes in
 * base64url: 43 characters. The router decodes and normalises paths (`/%73etup/…`, `/./setup/…`,
 * `/x/../setup/…` all reach the portal), so the path rules above cannot see every spelling: any
 * run of 43 or more base64url characters is hidden as well, wherever it is.
 */
const BEARER_SECRET_SHAPE = /[A-Za-z0-9_-]{43,}/g;

export function redactUrl(url: string): string {
  return url
    .replace(TOKEN_EXCHANGE_PATH, '$1[REDACTED]')
    .replace(SETUP_LINK_PATH, '$1[REDACTED]')
    .replace(SECRET_QUERY, '$1[REDACTED]')
    .replace(BEARER_SECRET_SHAPE, '[REDACTED]');
}

/**
 * Structured JSON logs. Credentials travel in headers and form fields; both are redacted here so
 * no code path can log them by accident.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.clientSecret',
          '*.password',
          '*.secret',
          '*.authorization',
        ],
        censor: '[REDACTED]',
      },
      serializers: {
        req: (req: { method: string; url: string; ip?: string; id?: string }) => ({ method: req.method, url: redactUrl(req.url), ip: req.ip }),
        err: pino.stdSerializers.err,
      },
    },
    destination,
  );
}
