import type { FastifyRequest } from 'fastify';
import type { Services } from '../../services.js';

/**
 * Per-address fairness for the routes that start or finish a sign-in (each writes state and may
 * sign): checked before the body is read, so an address over its share gets 429 without costing
 * any SAML or OIDC work (SSO_REQUESTS_PER_MINUTE, SSO_REQUESTS_BURST).
 */
export function perAddressSsoLimit(services: Services) {
  return { onRequest: async (request: FastifyRequest) => services.ssoRequestLimiter.take(request.ip) };
}
