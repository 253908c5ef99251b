import { maxHeaderSize } from 'node:http';
import type { FastifyError } from 'fastify';
import { AppError, isAppError } from '../errors.js';

/**
 * The one translation of anything a route can throw into an AppError: domain errors pass through,
 * Fastify's own request errors (schema, content type, size, JSON syntax) get their stable codes,
 * and anything else becomes INTERNAL_ERROR with its cause kept for the log only.
 */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const code = (error as FastifyError | undefined)?.code;
  switch (code) {
    // Node's HTTP parser (llhttp): the request line and headers together exceed the header limit.
    case 'HPE_HEADER_OVERFLOW':
      return requestLineOverflowed(error)
        ? new AppError('URI_TOO_LONG', `The request URI is too long (the request line alone exceeds ${maxHeaderSize} bytes).`, { cause: error })
        : new AppError('HEADERS_TOO_LARGE', `The request headers are too large (at most ${maxHeaderSize} bytes with the request line).`, { cause: error });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('BODY_TOO_LARGE', 'The request body is too large.', { cause: error });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.', { cause: error });
    case 'FST_CSRF_INVALID_TOKEN':
    case 'FST_CSRF_MISSING_SECRET':
      return new AppError('CSRF_TOKEN_INVALID', 'This form has expired or did not come from this site. Reload the page and try again.', { cause: error });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError('URI_TOO_LONG', 'A path segment is too long (at most 1024 characters once URL-encoded; an idpId has at most 255).', { cause: error });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('MALFORMED_REQUEST', 'The request body is not valid JSON.', { cause: error });
  }
  // Any other refusal of the HTTP parser (a garbled request line, a bad header).
  if (typeof code === 'string' && code.startsWith('HPE_')) return new AppError('MALFORMED_REQUEST', 'The request could not be understood.', { cause: error });
  if (error instanceof SyntaxError) return new AppError('MALFORMED_REQUEST', 'The request body is not valid JSON.', { cause: error });
  const status = (error as FastifyError | undefined)?.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new AppError('MALFORMED_REQUEST', 'The request could not be understood.', { cause: error, status });
  }
  return new AppError('INTERNAL_ERROR', 'Something went wrong on our side. The request ID in the response headers identifies it.', { cause: error });
}

/**
 * Whether the bytes the parser refused hold a request line that alone reaches the header limit
 * (RFC 9110 §15.5.15: 414), rather than headers that pushed the total over it (RFC 6585 §5: 431).
 */
function requestLineOverflowed(error: unknown): boolean {
  const raw: unknown = typeof error === 'object' && error !== null && 'rawPacket' in error ? error.rawPacket : undefined;
  if (!Buffer.isBuffer(raw)) return false;
  const lineEnd = raw.indexOf('\r\n');
  return (lineEnd === -1 ? raw.length : lineEnd) >= maxHeaderSize;
}
