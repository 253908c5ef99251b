import type { ZodType } from 'zod';
import type { ErrorCode } from '../../errors.js';
import { errorBody } from './api-schemas.js';

/**
 * Response entries of route schemas in the form that carries a description into the OpenAPI
 * document. Every error answer references the one `Error` schema.
 */
export function jsonResponse<T extends ZodType>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } };
}

/** What each error status means, and the codes it carries unless a route names its own. */
const errorStatuses = {
  400: { summary: 'Invalid request; a validation failure names each invalid field in `fields`', codes: ['VALIDATION_FAILED'] },
  401: { summary: 'Missing or wrong credentials; sent with `WWW-Authenticate: Basic`', codes: ['AUTHENTICATION_REQUIRED', 'INVALID_CREDENTIALS', 'MALFORMED_AUTHORIZATION'] },
  404: { summary: 'Not found', codes: [] },
  409: { summary: 'Conflicts with what exists', codes: [] },
  412: { summary: 'A condition of the request (`If-None-Match: *`) does not hold; nothing was changed', codes: ['PRECONDITION_FAILED'] },
  413: { summary: 'The request body is too large', codes: ['BODY_TOO_LARGE'] },
  414: { summary: 'A path parameter is too long', codes: ['URI_TOO_LONG'] },
  415: { summary: 'The request body is not `application/json`', codes: ['UNSUPPORTED_MEDIA_TYPE'] },
  429: { summary: 'Too many failed authentications from this client ID or address: retry after `Retry-After` seconds', codes: ['TOO_MANY_ATTEMPTS'] },
  503: { summary: 'The database cannot be reached: retry shortly', codes: ['DATABASE_UNAVAILABLE'] },
} as const satisfies Record<number, { summary: string; codes: readonly ErrorCode[] }>;

export type ErrorStatus = keyof typeof errorStatuses;

/**
 * Error responses of an operation: the statuses it can answer, each described with the error
 * codes it carries (typed as ErrorCode, so a renamed code fails to compile; the OpenAPI test
 * checks that each code really answers with that status).
 */
export function errorResponses<S extends ErrorStatus>(statuses: readonly S[], codes: Partial<Record<S, readonly ErrorCode[]>> = {}) {
  const responses = {} as Record<S, ReturnType<typeof jsonResponse<typeof errorBody>>>;
  for (const status of statuses) {
    const listed = codes[status] ?? errorStatuses[status].codes;
    const suffix = listed.length > 0 ? ` (${listed.map((c) => `\`${c}\``).join(', ')})` : '';
    responses[status] = jsonResponse(`${errorStatuses[status].summary}${suffix}.`, errorBody);
  }
  return responses;
}
