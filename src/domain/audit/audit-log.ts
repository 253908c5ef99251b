import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Dialect } from '../../db/dialect.js';
import type { DB } from '../../db/schema.js';
import {
  insertAuditEvent,
  listAuditEvents,
  listAuditEventsAfter,
  type AuditEventRecord,
  type AuditFilters,
  type AuditPosition,
} from '../../db/repositories/audit-repository.js';
import type { Actor } from '../actor.js';

export type AuditEvent = AuditEventRecord;

export interface AuditEntry {
  action: string;
  targetKind: string;
  targetId: string;
  /** Never a secret: callers pass only descriptions, hints, flags. */
  details?: AuditEventRecord['details'];
}

export interface AuditLog {
  /** Writes inside the caller's transaction, so the event exists exactly when the change does. */
  record(trx: Kysely<DB>, actor: Actor, entry: AuditEntry): Promise<void>;
  list(accountId: string, page: { beforeId?: number | undefined; limit: number }): Promise<{ events: AuditEvent[]; nextBeforeId: number | undefined }>;
  /**
   * Oldest first after `after`, for a reader that resumes where it stopped (API `auditLog`):
   * only events no still-running transaction can commit behind, so a cursor never skips one.
   */
  listAfter(accountId: string, page: { after: AuditPosition; filters: AuditFilters; limit: number }): Promise<{ events: AuditEvent[]; position: AuditPosition; hasMore: boolean }>;
  /** Every committed event matching `filters`, oldest first, read `pageSize` at a time (exports). */
  exportEvents(accountId: string, filters: AuditFilters, pageSize?: number): AsyncGenerator<AuditEvent>;
}

export function createAuditLog(deps: { db: Kysely<DB>; dialect: Dialect; clock: Clock }): AuditLog {
  return {
    async record(trx, actor, entry) {
      await insertAuditEvent(trx, {
        accountId: actor.accountId,
        at: deps.clock.now(),
        actorKind: actor.kind,
        actorId: actor.id,
        actorLabel: actor.label,
        action: entry.action,
        targetKind: entry.targetKind,
        targetId: entry.targetId,
        sourceIp: actor.sourceIp,
        details: entry.details ?? {},
      });
    },
    async list(accountId, page) {
      const events = await listAuditEvents(deps.db, accountId, { beforeId: page.beforeId, limit: page.limit + 1 });
      const more = events.length > page.limit;
      const shown = events.slice(0, page.limit);
      return { events: shown, nextBeforeId: more ? shown.at(-1)?.id : undefined };
    },
    async listAfter(accountId, page) {
      const rows = await listAuditEventsAfter(deps.db, deps.dialect, accountId, { ...page, limit: page.limit + 1, settledOnly: true });
      const shown = rows.slice(0, page.limit);
      return { events: shown.map(withoutPosition), position: shown.at(-1)?.position ?? page.after, hasMore: rows.length > page.limit };
    },
    async *exportEvents(accountId, filters, pageSize = 500) {
      let after: AuditPosition = { writerXid: 0, id: 0 };
      for (;;) {
        const rows = await listAuditEventsAfter(deps.db, deps.dialect, accountId, { after, filters, limit: pageSize, settledOnly: false });
        for (const row of rows) yield withoutPosition(row);
        const last = rows.at(-1);
        if (rows.length < pageSize || last === undefined) return;
        after = last.position;
      }
    },
  };
}

function withoutPosition({ position: _position, ...event }: AuditEvent & { position: AuditPosition }): AuditEvent {
  return event;
}
