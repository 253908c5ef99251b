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
  if (error instanceof SyntaxError) return new AppError('MALFORMED_REQUEST', 'The request body is not valid JSON.', { cause: error });
  const status = (error as FastifyError | undefined)?.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new AppError('MALFORMED_REQUEST', 'The request could not be understood.', { cause: error, status });
  }
  return new AppError('INTERNAL_ERROR', 'Something went wrong on our side. The request ID in the response headers identifies it.', { cause: error });
}
