import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditEventJson, auditFiltersInput } from '../../domain/audit/audit-export.js';
import { fieldErrorsFrom } from '../../domain/validation.js';
import type { Services } from '../../services.js';
import { csrfToken } from './console-session.js';
import { adminActor } from './console-session.js';
import { AUDIT_EXPORT_PATH, auditLogPage, type AuditExportFilters } from './pages/audit-log-page.js';

const PAGE_SIZE = 50;

type ExportQuery = { Querystring: Partial<Record<keyof AuditExportFilters, string | string[]>> };

const fieldLabels: Record<string, string> = { from: 'From', to: 'Until', actor: 'Actor', action: 'Action' };

function exportFiltersOf(request: FastifyRequest<ExportQuery>): AuditExportFilters {
  const text = (value: string | string[] | undefined) => (typeof value === 'string' ? value.trim() : '');
  const q = request.query;
  return { from: text(q.from), to: text(q.to), actor: text(q.actor), action: text(q.action) };
}

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

  /**
   * Account › Audit log › Download JSON Lines: every event matching the filters, oldest first,
   * streamed page by page so a long log never sits in memory. Bad filters re-render the page.
   */
  app.get<ExportQuery>(AUDIT_EXPORT_PATH, async (request, reply) => {
    const accountId = adminActor(request).accountId;
    const typed = exportFiltersOf(request);
    const parsed = auditFiltersInput.safeParse(Object.fromEntries(Object.entries(typed).filter(([, value]) => value !== '')));
    if (!parsed.success) {
      const error = fieldErrorsFrom(parsed.error)
        .map((f) => `${fieldLabels[f.field] ?? f.field}: ${f.message}`)
        .join('; ');
      const page = await services.audit.list(accountId, { limit: PAGE_SIZE });
      const chrome = { admin: request.admin && { email: request.admin.email }, csrfToken: csrfToken(request, reply) };
      return reply.code(400).type('text/html').send(auditLogPage(chrome, page, { filters: typed, error }).value);
    }
    const events = services.audit.exportEvents(accountId, parsed.data);
    const lines = Readable.from(
      (async function* () {
        for await (const event of events) yield `${JSON.stringify(auditEventJson(event))}\n`;
      })(),
    );
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .header('content-type', 'application/jsonl; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-log-${day}.jsonl"`)
      .header('cache-control', 'no-store')
      .send(lines);
  });
}
