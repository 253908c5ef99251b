import { z } from 'zod';
import { descriptionSchema } from '../credentials/credential-schemas.js';
import { EVENT_TYPES } from '../events/event-types.js';
import { secureUrlSchema } from '../url-rules.js';

/** At most this many endpoints per account (docs/limits.md, docs/webhooks.md). */
export const MAX_WEBHOOK_ENDPOINTS = 10;
export const WEBHOOK_ENDPOINT_LIMIT_MESSAGE = `An account can have at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints. Delete one to add another.`;

/** Event types an endpoint receives; null (or absent at create) = every type, present and future. */
const eventTypesSchema = z
  .array(z.enum(EVENT_TYPES, { error: `must be one of ${EVENT_TYPES.join(', ')}` }), { error: 'must be a list of event types, or null for every type' })
  .min(1, 'must name at least one event type, or be null for every type')
  .transform((types) => [...new Set(types)])
  .nullable()
  .describe('Event types this endpoint receives; null = every type (also types added later).');

export const createWebhookEndpointInput = z.strictObject({
  url: secureUrlSchema.describe('Where events are POSTed: https://, or http:// on localhost for development.'),
  description: descriptionSchema.default(''),
  eventTypes: eventTypesSchema.default(null),
  enabled: z.boolean({ error: 'must be true or false' }).default(true),
});
export type CreateWebhookEndpointInput = z.input<typeof createWebhookEndpointInput>;

export const updateWebhookEndpointInput = z.strictObject({
  url: secureUrlSchema.optional(),
  description: descriptionSchema.optional(),
  eventTypes: eventTypesSchema.optional(),
  enabled: z.boolean({ error: 'must be true or false' }).optional().describe('Turning an endpoint on again (also after it was turned off for failing) resumes its pending deliveries.'),
  rotateSecret: z.boolean({ error: 'must be true or false' }).optional().describe('Replace the signing secret with a new one, returned once in this answer.'),
});
export type UpdateWebhookEndpointInput = z.input<typeof updateWebhookEndpointInput>;
