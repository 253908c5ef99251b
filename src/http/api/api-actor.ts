import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../domain/actor.js';
import { principalOf } from './api-plugin.js';

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
