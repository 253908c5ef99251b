import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EVENT_TYPES } from '../../domain/events/event-types.js';
import { createWebhookEndpointInput, updateWebhookEndpointInput } from '../../domain/webhooks/webhook-schemas.js';
import type { WebhookDeliveryView, WebhookEndpointView } from '../../domain/webhooks/webhook-service.js';
import type { Services } from '../../services.js';
import { apiActor, principalOf } from './api-actor.js';
import { iso } from './api-schemas.js';
import { errorResponses, jsonResponse } from './openapi-responses.js';

const tags = ['Webhooks'];
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

const endpointBody = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.enum(EVENT_TYPES)).nullable().describe('null = every event type'),
    enabled: z.boolean(),
    disabledReason: z.enum(['failing']).nullable().describe('`failing` when ssobridge turned the endpoint off: a delivery used its whole retry schedule and nothing reached the endpoint for over 24 hours'),
    secretHint: z.string().describe('The end of the signing secret, to tell secrets apart; the secret itself is shown only by create and by `rotateSecret`'),
    failingSince: z.string().nullable().describe('Since when every attempt to this endpoint has failed; null while deliveries succeed'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'WebhookEndpoint' });

const endpointWithSecretBody = endpointBody
  .extend({ secret: z.string().describe('The Standard Webhooks signing secret (`whsec_…`). Shown only in this answer: ssobridge keeps it encrypted and never shows it again.') })
  .meta({ id: 'WebhookEndpointWithSecret' });

const updatedEndpointBody = endpointBody
  .extend({ secret: z.string().optional().describe('The new signing secret, when `rotateSecret` was true; shown only in this answer') })
  .meta({ id: 'UpdatedWebhookEndpoint' });

const deliveryBody = z
  .object({
    id: z.string(),
    eventId: z.string().describe('The event, and the `webhook-id` of every attempt'),
    eventType: z.string(),
    idpId: z.string().nullable(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.array(
      z.object({
        attemptedAt: z.string(),
        durationMs: z.number().int(),
        statusCode: z.number().int().nullable().describe('The receiver\'s HTTP status; null when no answer came'),
        error: z.string().nullable().describe('Why the attempt failed, in a few words; null when it succeeded'),
      }),
    ),
    nextAttemptAt: z.string().nullable().describe('When a pending delivery is tried next'),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookDelivery' });

const idParam = z.object({ id: z.string().max(100).describe('The endpoint id from create or list') });

function endpointJson(e: WebhookEndpointView): z.input<typeof endpointBody> {
  return { ...e, failingSince: isoOrNull(e.failingSince), createdAt: iso(e.createdAt), updatedAt: iso(e.updatedAt) };
}

function deliveryJson(d: WebhookDeliveryView): z.input<typeof deliveryBody> {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    idpId: d.customerKey === '' ? null : d.customerKey,
    status: d.status,
    attempts: d.attempts.map((a) => ({ ...a, attemptedAt: iso(a.attemptedAt) })),
    nextAttemptAt: isoOrNull(d.nextAttemptAt),
    deliveredAt: isoOrNull(d.deliveredAt),
    createdAt: iso(d.createdAt),
  };
}

/** `…/webhookEndpoints`: where the account's events are POSTed (docs/webhooks.md). */
export function registerWebhookEndpointRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const notFound = { 404: ['WEBHOOK_ENDPOINT_NOT_FOUND'] } as const;

  api.post(
    '/webhookEndpoints',
    {
      schema: {
        operationId: 'createWebhookEndpoint',
        summary: 'Add a webhook endpoint',
        description:
          'Events of the account (docs/events.md) are POSTed to `url`, signed per Standard Webhooks with the secret returned here, once. At most 10 endpoints per account. Only events recorded after the endpoint exists are delivered to it.',
        tags,
        body: createWebhookEndpointInput,
        response: {
          201: jsonResponse('The endpoint, with its signing secret (shown only here)', endpointWithSecretBody),
          ...errorResponses([400, 401, 409, 413, 415, 429, 503], { 409: ['WEBHOOK_ENDPOINT_LIMIT_REACHED'] }),
        },
      },
    },
    async (request, reply) => {
      const created = await services.webhooks.createEndpoint(apiActor(request), request.body);
      reply.header('Cache-Control', 'no-store');
      return reply.code(201).send({ ...endpointJson(created.endpoint), secret: created.secret });
    },
  );

  api.get(
    '/webhookEndpoints',
    {
      schema: {
        operationId: 'listWebhookEndpoints',
        summary: 'List webhook endpoints',
        description: 'Oldest first, without their secrets.',
        tags,
        response: { 200: jsonResponse("The account's endpoints", z.object({ webhookEndpoints: z.array(endpointBody) })), ...errorResponses([400, 401, 429, 503]) },
      },
    },
    async (request) => ({ webhookEndpoints: (await services.webhooks.listEndpoints(principalOf(request).accountId)).map(endpointJson) }),
  );

  api.get(
    '/webhookEndpoints/:id',
    {
      schema: {
        operationId: 'getWebhookEndpoint',
        summary: 'Get a webhook endpoint',
        tags,
        params: idParam,
        response: { 200: jsonResponse('The endpoint', endpointBody), ...errorResponses([400, 401, 404, 414, 429, 503], notFound) },
      },
    },
    async (request) => endpointJson(await services.webhooks.getEndpoint(principalOf(request).accountId, request.params.id)),
  );

  const update = async (id: string, actor: ReturnType<typeof apiActor>, body: z.output<typeof updateWebhookEndpointInput>) => {
    const { endpoint, secret } = await services.webhooks.updateEndpoint(actor, id, body);
    return { ...endpointJson(endpoint), ...(secret !== undefined && { secret }) };
  };

  api.patch(
    '/webhookEndpoints/:id',
    {
      schema: {
        operationId: 'updateWebhookEndpoint',
        summary: 'Change a webhook endpoint',
        description:
          'Changes only the fields given. `enabled: true` turns on an endpoint that ssobridge turned off for failing, and its pending deliveries resume. `rotateSecret: true` replaces the signing secret at once and returns the new one, once.',
        tags,
        params: idParam,
        body: updateWebhookEndpointInput,
        response: { 200: jsonResponse('The endpoint as it is now', updatedEndpointBody), ...errorResponses([400, 401, 404, 413, 414, 415, 429, 503], notFound) },
      },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store');
      return update(request.params.id, apiActor(request), request.body);
    },
  );

  api.put(
    '/webhookEndpoints/:id',
    {
      schema: {
        operationId: 'replaceWebhookEndpoint',
        summary: 'Replace a webhook endpoint',
        description: 'Sets every field: those left out take their defaults (no description, every event type, enabled). The secret is kept unless `rotateSecret` is true.',
        tags,
        params: idParam,
        body: createWebhookEndpointInput.extend({ rotateSecret: z.boolean({ error: 'must be true or false' }).optional() }),
        response: { 200: jsonResponse('The endpoint as it is now', updatedEndpointBody), ...errorResponses([400, 401, 404, 413, 414, 415, 429, 503], notFound) },
      },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store');
      return update(request.params.id, apiActor(request), request.body);
    },
  );

  api.delete(
    '/webhookEndpoints/:id',
    {
      schema: {
        operationId: 'deleteWebhookEndpoint',
        summary: 'Delete a webhook endpoint',
        description: 'Its pending deliveries are dropped with it.',
        tags,
        params: idParam,
        response: { 204: z.null().describe('Deleted'), ...errorResponses([400, 401, 404, 414, 429, 503], notFound) },
      },
    },
    async (request, reply) => {
      await services.webhooks.deleteEndpoint(apiActor(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/webhookEndpoints/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        summary: "List an endpoint's deliveries",
        description: 'The delivery log: newest event first, each with its attempts (status code, error, duration). Continue with `before` = the `nextBefore` of the previous page.',
        tags,
        params: idParam,
        querystring: z.strictObject({
          limit: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(50),
          before: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').optional(),
        }),
        response: {
          200: jsonResponse('One page of deliveries', z.object({ deliveries: z.array(deliveryBody), nextBefore: z.number().int().nullable().describe('Pass as `before` for the next page; null on the last') })),
          ...errorResponses([400, 401, 404, 414, 429, 503], notFound),
        },
      },
    },
    async (request) => {
      const page = await services.webhooks.listDeliveries(principalOf(request).accountId, request.params.id, { beforeSeq: request.query.before, limit: request.query.limit });
      return { deliveries: page.deliveries.map(deliveryJson), nextBefore: page.nextBeforeSeq ?? null };
    },
  );

  api.post(
    '/webhookEndpoints/:id/deliveries/:deliveryId/redeliver',
    {
      schema: {
        operationId: 'redeliverWebhook',
        summary: 'Send a delivery again',
        description: 'Queues the same event (same `webhook-id`) for this endpoint again, from a fresh retry schedule; a pending delivery is tried now.',
        tags,
        params: idParam.extend({ deliveryId: z.string().max(100) }),
        response: { 202: z.null().describe('Queued'), ...errorResponses([400, 401, 404, 414, 429, 503], { 404: ['WEBHOOK_ENDPOINT_NOT_FOUND', 'WEBHOOK_DELIVERY_NOT_FOUND'] }) },
      },
    },
    async (request, reply) => {
      await services.webhooks.redeliver(apiActor(request), request.params.id, request.params.deliveryId);
      return reply.code(202).send(null);
    },
  );
}
