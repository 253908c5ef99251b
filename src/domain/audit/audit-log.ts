import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import { insertAuditEvent, listAuditEvents, type AuditEventRecord } from '../../db/repositories/audit-repository.js';
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
}

export function createAuditLog(deps: { db: Kysely<DB>; clock: Clock }): AuditLog {
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
  };
}
