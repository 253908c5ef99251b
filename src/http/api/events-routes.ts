import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listEventsInput } from '../../domain/events/event-feed.js';
import { EVENT_TYPES } from '../../domain/events/event-types.js';
import type { Services } from '../../services.js';
import { principalOf } from './api-actor.js';
import { iso } from './api-schemas.js';
import { errorResponses, jsonResponse } from './openapi-responses.js';

const eventBody = z
  .object({
    id: z.string().describe('Unique and stable: the same event keeps its id in this list and in webhook deliveries (`webhook-id`)'),
    type: z.enum(EVENT_TYPES),
    createdAt: z.string().describe('ISO 8601: when the change that caused it was made'),
    idpId: z.string().nullable().describe('The customer connection it is about; null for account-wide events (credentials)'),
    data: z.record(z.string(), z.unknown()).describe("The type's data (docs/events.md); never a secret"),
  })
  .meta({ id: 'Event' });

const eventPageBody = z
  .object({
    events: z.array(eventBody).describe('Oldest first'),
    nextCursor: z.string().describe('Pass as `after` to continue; returned on the last (even an empty) page too, so a poller keeps it and asks again later'),
  })
  .meta({ id: 'EventPage' });

/** `GET …/events`: the account's events, for backends that poll instead of receiving webhooks. */
export function registerEventRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/events',
    {
      schema: {
        operationId: 'listEvents',
        summary: "List the account's events",
        description:
          'Oldest first, in the order their changes committed, after the cursor `after` (from the oldest without it). Keep `nextCursor` and ask again with it: every event appears once, with no gaps, including events committed while you page. Event types and their data: docs/events.md.',
        tags: ['Events'],
        querystring: listEventsInput,
        response: { 200: jsonResponse('One page of events', eventPageBody), ...errorResponses([400, 401, 429, 503]) },
      },
    },
    async (request) => {
      const page = await services.eventFeed.listEvents(principalOf(request).accountId, request.query);
      return {
        events: page.events.map((e) => ({ id: e.id, type: e.type, createdAt: iso(e.createdAt), idpId: e.customerKey === '' ? null : e.customerKey, data: e.data })),
        nextCursor: page.nextCursor,
      };
    },
  );
}
