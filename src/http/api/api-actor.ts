import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../domain/actor.js';
import type { Principal } from '../../domain/credentials/verified-credential-cache.js';
import { AppError } from '../../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the API plugin's HTTP Basic hook. */
    principal?: Principal;
  }
}

/** The authenticated principal of an API request; the auth hook guarantees it is there. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('AUTHENTICATION_REQUIRED', 'Authenticate with HTTP Basic.');
  return request.principal;
}

/** The API client behind a request, as the audit log records it. */
export function apiActor(request: FastifyRequest): Actor {
  const principal = principalOf(request);
  return {
    kind: 'api-client',
    id: principal.clientId,
    label: principal.kind === 'global' ? 'Global credentials' : principal.description || `Connection API credentials ${principal.clientId}`,
    accountId: principal.accountId,
    sourceIp: request.ip,
  };
}
