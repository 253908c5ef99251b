import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

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
  return rows.map((row) => ({
    id: row.id,
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
  }));
}
