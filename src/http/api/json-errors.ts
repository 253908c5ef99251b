import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../../errors.js';
import { toAppError } from '../to-app-error.js';

export const WWW_AUTHENTICATE = 'Basic realm="ssobridge", charset="UTF-8"';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The one JSON error body, `{ "error": { "code", "message", "fields"? } }`: every JSON error
 * answer (API, token exchange, metadata, not-found, router and HTTP-parser refusals) is this text.
 */
export function jsonErrorBody(error: AppError): string {
  return JSON.stringify({ error: { code: error.code, message: error.message, ...(error.fields && { fields: error.fields }) } });
}

/** Sends the error in the JSON shape, with the headers its kind calls for; server faults are logged with their detail. */
export function sendJsonError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  if (error.status >= 500) request.log.error({ err: error.cause ?? error, code: error.code, detail: error.detail }, error.message);
  else request.log.info({ code: error.code, detail: error.detail }, 'request refused');
  if (error.kind === 'unauthenticated') reply.header('WWW-Authenticate', WWW_AUTHENTICATE);
  if (error.retryAfterSeconds !== undefined) reply.header('Retry-After', String(error.retryAfterSeconds));
  return reply.code(error.status).type(JSON_TYPE).send(jsonErrorBody(error));
}

/**
 * A whole HTTP/1.1 response for a request the HTTP parser refused (no request object exists, so
 * it is written to the socket), with the same JSON body; the connection is closed after it.
 */
export function rawJsonErrorResponse(error: AppError): string {
  const body = jsonErrorBody(error);
  return `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

export function jsonErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendJsonError(request, reply, toAppError(error));
}
