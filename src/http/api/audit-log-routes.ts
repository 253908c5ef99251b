import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AUDIT_PAGE_DEFAULT,
  AUDIT_PAGE_MAX,
  auditEventJson,
  auditFilterShape,
  checkTimeOrder,
  decodeAuditCursor,
  encodeAuditCursor,
  START_POSITION,
} from '../../domain/audit/audit-export.js';
import type { Services } from '../../services.js';
import { principalOf } from './api-actor.js';
import { errorResponses, jsonResponse } from './openapi-responses.js';

const listAuditLogInput = z
  .strictObject({
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(AUDIT_PAGE_MAX, `must be at most ${AUDIT_PAGE_MAX}`)
      .default(AUDIT_PAGE_DEFAULT),
    cursor: z.string().min(1).max(200, 'must be at most 200 characters long').optional().describe('`nextCursor` of the previous answer; none to start from the oldest event'),
    ...auditFilterShape,
  })
  .superRefine(checkTimeOrder);

export const auditEventBody = z
  .object({
    id: z.number().int().describe('The event\'s number in this instance\'s audit log'),
    at: z.string().describe('ISO 8601 time of the change'),
    actor: z.object({
      kind: z.string().describe('`admin` (console), `api-client` (this API), `operator` (the CLI) or `customer-admin` (a customer\'s IT admin through a setup link)'),
      id: z.string().describe('Admin id, client ID, setup link id, or the operator\'s OS user'),
      label: z.string().describe('An email address or a credential\'s description'),
    }),
    action: z.string().describe('What happened, such as `customer.created` (docs/api.md lists them)'),
    target: z.object({ kind: z.string(), id: z.string() }),
    sourceIp: z.string(),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).describe('What changed, never a secret'),
  })
  .meta({ id: 'AuditEvent' });

const auditPageBody = z.object({
  events: z.array(auditEventBody),
  nextCursor: z.string().describe('Where to continue: pass it as `cursor` next time, also when `events` is empty, to receive only newer events'),
  hasMore: z.boolean().describe('More events match now: ask again at once with `nextCursor`'),
});

/** `…/auditLog`: the account's audit log, oldest first, for SIEM pollers. */
export function registerAuditLogRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/auditLog',
    {
      schema: {
        operationId: 'listAuditLog',
        summary: "Read the account's audit log",
        description:
          'Oldest first, one page at a time, filtered by time (`from` inclusive, `to` exclusive), actor and action. Poll with the `nextCursor` of the last answer to receive each event exactly once, also events written since: an event appears once every transaction that was running when it was written has finished (on PostgreSQL), so a cursor never passes over one that commits late. The same events as JSON Lines: the console (Account › Audit log) and `ssobridge audit export`.',
        tags: ['Audit log'],
        querystring: listAuditLogInput,
        response: { 200: jsonResponse('One page of audit events', auditPageBody), ...errorResponses([400, 401, 429, 503]) },
      },
    },
    async (request) => {
      const { limit, cursor, ...filters } = request.query;
      const after = cursor === undefined ? START_POSITION : decodeAuditCursor(cursor);
      const page = await services.audit.listAfter(principalOf(request).accountId, { after, filters, limit });
      return { events: page.events.map(auditEventJson), nextCursor: encodeAuditCursor(page.position), hasMore: page.hasMore };
    },
  );
}
