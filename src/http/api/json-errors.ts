import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../../errors.js';
import { toAppError } from '../to-app-error.js';

export const WWW_AUTHENTICATE = 'Basic realm="ssobridge", charset="UTF-8"';

/** The API's error body: `{ "error": { "code", "message", "fields"? } }`. */
export function sendJsonError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  if (error.status >= 500) request.log.error({ err: error.cause ?? error, code: error.code }, error.message);
  else request.log.info({ code: error.code, detail: error.detail }, 'request refused');
  if (error.kind === 'unauthenticated') reply.header('WWW-Authenticate', WWW_AUTHENTICATE);
  if (error.retryAfterSeconds !== undefined) reply.header('Retry-After', String(error.retryAfterSeconds));
  return reply
    .code(error.status)
    .type('application/json; charset=utf-8')
    .send({ error: { code: error.code, message: error.message, ...(error.fields && { fields: error.fields }) } });
}

export function jsonErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendJsonError(request, reply, toAppError(error));
}
