import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../services.js';
import { isAppError } from '../../errors.js';
import type { ApiAuthenticationOutcome } from '../../metrics/metrics.js';
import { jsonErrorHandler, sendJsonError } from './json-errors.js';
import { noRouteError } from '../allowed-methods.js';
import { registerApplicationRoutes } from './applications-routes.js';
import { registerSpManagedRoutes } from './sp-managed-routes.js';
import { registerSetupLinkRoutes } from './setup-link-routes.js';
import { registerEventRoutes } from './events-routes.js';
import { registerAuditLogRoutes } from './audit-log-routes.js';
import { registerWebhookEndpointRoutes } from './webhook-endpoint-routes.js';

/** How a refused authentication is counted: refused credentials, too many failures, or something else (the database). */
function authenticationFailure(error: unknown): ApiAuthenticationOutcome {
  if (!isAppError(error)) return 'error';
  if (error.code === 'TOO_MANY_ATTEMPTS') return 'throttled';
  return error.status === 401 ? 'invalid' : 'error';
}

/** Base path of the Customer Connection API, as in PingOne SSO for SaaS Apps. */
export const API_PREFIX = '/web-portal/rest/saas/idp/2.0';

/** Everything under the API prefix: HTTP Basic on every request (unknown paths too), JSON errors. */
export async function apiPlugin(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const { services } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.setErrorHandler(jsonErrorHandler);
  // The API speaks JSON only: anything else (Fastify also parses text/plain by default) is a 415.
  api.removeContentTypeParser('text/plain');

  const { metrics } = services;
  const authenticate = async (request: FastifyRequest) => {
    try {
      request.principal = await services.clientAuthenticator.authenticate({
        authorization: request.headers.authorization,
        sourceIp: request.ip,
        accept: ['global', 'connection_api'],
      });
    } catch (error) {
      metrics?.apiAuthentication(authenticationFailure(error));
      throw error;
    }
    metrics?.apiAuthentication('success');
  };
  api.addHook('onRequest', authenticate);

  api.setNotFoundHandler(async (request, reply) => {
    try {
      if (!request.principal) await authenticate(request);
    } catch (error) {
      return jsonErrorHandler(error, request, reply);
    }
    return sendJsonError(request, reply, noRouteError(request, reply, 'operation'));
  });

  registerSpManagedRoutes(app, services);
  registerApplicationRoutes(app, services);
  registerSetupLinkRoutes(app, services);
  registerEventRoutes(app, services);
  registerAuditLogRoutes(app, services);
  registerWebhookEndpointRoutes(app, services);
}
