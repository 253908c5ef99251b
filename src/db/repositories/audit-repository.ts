import { sql, type Kysely, type Selectable } from 'kysely';
import type { Dialect } from '../dialect.js';
import type { AuditEventsTable, DB } from '../schema.js';

export interface AuditEventRecord {
  id: number;
  accountId: string;
  at: number;
  actorKind: string;
  actorId: string;
  actorLabel: string;
  action: string;
  targetKind: string;
  targetId: string;
  sourceIp: string;
  details: Record<string, string | number | boolean | null>;
}

export async function insertAuditEvent(db: Kysely<DB>, e: Omit<AuditEventRecord, 'id'>): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      account_id: e.accountId,
      at: e.at,
      actor_kind: e.actorKind,
      actor_id: e.actorId,
      actor_label: e.actorLabel,
      action: e.action,
      target_kind: e.targetKind,
      target_id: e.targetId,
      source_ip: e.sourceIp,
      details: JSON.stringify(e.details),
    })
    .execute();
}

/** Newest first; `beforeId` is the cursor of the next page. */
export async function listAuditEvents(
  db: Kysely<DB>,
  accountId: string,
  page: { beforeId?: number | undefined; limit: number },
): Promise<AuditEventRecord[]> {
  let query = db.selectFrom('audit_events').selectAll().where('account_id', '=', accountId);
  if (page.beforeId !== undefined) query = query.where('id', '<', page.beforeId);
  const rows = await query.orderBy('id', 'desc').limit(page.limit).execute();
  return rows.map(auditEventFrom);
}

/** Where an oldest-first reader stands: after the event at this position (0, 0 = the start). */
export interface AuditPosition {
  writerXid: number;
  id: number;
}

export interface AuditFilters {
  /** Milliseconds, inclusive. */
  from?: number | undefined;
  /** Milliseconds, exclusive. */
  to?: number | undefined;
  /** The actor's id or label, exactly. */
  actor?: string | undefined;
  /** An action name, or a prefix when it ends with a dot (`customer.`). */
  action?: string | undefined;
}

/**
 * An account's events after `after`, oldest first in (writer_xid, id) order (migration 0020).
 * With `settledOnly` on PostgreSQL, only events of transactions older than every transaction
 * still running: no event can later commit before them, so a cursor never skips one. Without
 * it (a one-shot export), everything committed now.
 */
export async function listAuditEventsAfter(
  db: Kysely<DB>,
  dialect: Dialect,
  accountId: string,
  page: { after: AuditPosition; filters: AuditFilters; limit: number; settledOnly: boolean },
): Promise<(AuditEventRecord & { position: AuditPosition })[]> {
  const { after, filters } = page;
  let query = db
    .selectFrom('audit_events')
    .selectAll()
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([eb('writer_xid', '>', after.writerXid), eb.and([eb('writer_xid', '=', after.writerXid), eb('id', '>', after.id)])]));
  if (page.settledOnly && dialect === 'postgres') query = query.where(sql<boolean>`writer_xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint`);
  if (filters.from !== undefined) query = query.where('at', '>=', filters.from);
  if (filters.to !== undefined) query = query.where('at', '<', filters.to);
  const actor = filters.actor;
  if (actor !== undefined) query = query.where((eb) => eb.or([eb('actor_id', '=', actor), eb('actor_label', '=', actor)]));
  const action = filters.action;
  if (action !== undefined) {
    // substr, not LIKE: action names hold underscores, which LIKE would take as wildcards.
    query = action.endsWith('.') ? query.where(sql<boolean>`substr(action, 1, ${action.length}) = ${action}`) : query.where('action', '=', action);
  }
  const rows = await query.orderBy('writer_xid').orderBy('id').limit(page.limit).execute();
  return rows.map((row) => ({ ...auditEventFrom(row), position: { writerXid: Number(row.writer_xid), id: Number(row.id) } }));
}

function auditEventFrom(row: Selectable<AuditEventsTable>): AuditEventRecord {
  return {
    id: Number(row.id),
    accountId: row.account_id,
    at: row.at,
    actorKind: row.actor_kind,
    actorId: row.actor_id,
    actorLabel: row.actor_label,
    action: row.action,
    targetKind: row.target_kind,
    targetId: row.target_id,
    sourceIp: row.source_ip,
    details: JSON.parse(row.details) as AuditEventRecord['details'],
  };
}
