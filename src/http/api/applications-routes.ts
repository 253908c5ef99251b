import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Application } from '../../domain/model.js';
import type { Services } from '../../services.js';
import { principalOf } from './api-actor.js';
import { applicationBody, iso } from './api-schemas.js';
import { errorResponses, jsonResponse } from './openapi-responses.js';

export function applicationJson(a: Application) {
  return { ...a, createdAt: iso(a.createdAt), updatedAt: iso(a.updatedAt) };
}

/** Read-only view of the account's applications (they are managed in the console). */
export function registerApplicationRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['Applications'];
  api.get(
    '/applications',
    {
      schema: {
        operationId: 'listApplications',
        summary: "List the account's applications",
        tags,
        response: { 200: jsonResponse('Every application of the account', z.object({ applications: z.array(applicationBody) })), ...errorResponses([401, 429, 503]) },
      },
    },
    async (request) => ({ applications: (await services.applications.listApplications(principalOf(request).accountId)).map(applicationJson) }),
  );
  api.get(
    '/applications/:saasid',
    {
      schema: {
        operationId: 'getApplication',
        summary: 'Read an application',
        tags,
        params: z.object({ saasid: z.string() }),
        response: { 200: jsonResponse('The application', applicationBody), ...errorResponses([401, 404, 414, 429, 503], { 404: ['APPLICATION_NOT_FOUND'] }) },
      },
    },
    async (request) => applicationJson(await services.applications.getApplication(principalOf(request).accountId, request.params.saasid)),
  );
}
