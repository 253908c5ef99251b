import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { csrfToken } from './console-session.js';
import { adminActor } from './console-session.js';
import { auditLogPage } from './pages/audit-log-page.js';

const PAGE_SIZE = 50;

export function registerAuditRoutes(app: FastifyInstance, services: Services): void {
  app.get<{ Querystring: { before?: string } }>('/console/account/audit-log', async (request, reply) => {
    const before = Number.parseInt(request.query.before ?? '', 10);
    const page = await services.audit.list(adminActor(request).accountId, {
      beforeId: Number.isSafeInteger(before) && before > 0 ? before : undefined,
      limit: PAGE_SIZE,
    });
    const chrome = { admin: request.admin && { email: request.admin.email }, csrfToken: csrfToken(request, reply) };
    return reply.type('text/html').send(auditLogPage(chrome, page).value);
  });
}
