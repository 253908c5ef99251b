import type { Kysely, Selectable } from 'kysely';
import type { DB, WebhookEndpointsTable } from '../schema.js';

export interface WebhookEndpointRecord {
  id: string;
  accountId: string;
  url: string;
  description: string;
  /** null = every event type. */
  eventTypes: string[] | null;
  enabled: boolean;
  /** 'failing' when the delivery worker turned the endpoint off; null otherwise. */
  disabledReason: string | null;
  secretSealed: string;
  secretHint: string;
  failingSince: number | null;
  consecutiveFailures: number;
  createdAt: number;
  updatedAt: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveryRecord {
  id: string;
  endpointId: string;
  eventId: string;
  eventSeq: number;
  eventType: string;
  customerKey: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: number | null;
  createdAt: number;
}

export interface WebhookAttemptRecord {
  deliveryId: string;
  attemptedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

/** A delivery an instance holds the lease of, with what it needs to send it. */
export interface ClaimedDelivery {
  id: string;
  accountId: string;
  attempts: number;
  endpoint: { id: string; url: string; secretSealed: string };
  event: { id: string; type: string; customerKey: string; data: Record<string, unknown>; createdAt: number };
}

function toEndpoint(r: Selectable<WebhookEndpointsTable>): WebhookEndpointRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    url: r.url,
    description: r.description,
    eventTypes: r.event_types === null ? null : (JSON.parse(r.event_types) as string[]),
    enabled: r.enabled === 1,
    disabledReason: r.disabled_reason,
    secretSealed: r.secret_sealed,
    secretHint: r.secret_hint,
    failingSince: r.failing_since,
    consecutiveFailures: r.consecutive_failures,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function insertWebhookEndpoint(db: Kysely<DB>, e: WebhookEndpointRecord): Promise<void> {
  await db
    .insertInto('webhook_endpoints')
    .values({
      id: e.id,
      account_id: e.accountId,
      url: e.url,
      description: e.description,
      event_types: e.eventTypes === null ? null : JSON.stringify(e.eventTypes),
      enabled: e.enabled ? 1 : 0,
      disabled_reason: e.disabledReason,
      secret_sealed: e.secretSealed,
      secret_hint: e.secretHint,
      failing_since: e.failingSince,
      consecutive_failures: e.consecutiveFailures,
      created_at: e.createdAt,
      updated_at: e.updatedAt,
    })
    .execute();
}

export async function listWebhookEndpoints(db: Kysely<DB>, accountId: string): Promise<WebhookEndpointRecord[]> {
  const rows = await db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toEndpoint);
}

export async function findWebhookEndpoint(db: Kysely<DB>, accountId: string, id: string): Promise<WebhookEndpointRecord | undefined> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return row && toEndpoint(row);
}

/** Writes the endpoint's editable fields (and its secret, when rotated). */
export async function updateWebhookEndpoint(
  db: Kysely<DB>,
  e: Pick<WebhookEndpointRecord, 'id' | 'accountId' | 'url' | 'description' | 'eventTypes' | 'enabled' | 'disabledReason' | 'secretSealed' | 'secretHint' | 'failingSince' | 'consecutiveFailures' | 'updatedAt'>,
): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set({
      url: e.url,
      description: e.description,
      event_types: e.eventTypes === null ? null : JSON.stringify(e.eventTypes),
      enabled: e.enabled ? 1 : 0,
      disabled_reason: e.disabledReason,
      secret_sealed: e.secretSealed,
      secret_hint: e.secretHint,
      failing_since: e.failingSince,
      consecutive_failures: e.consecutiveFailures,
      updated_at: e.updatedAt,
    })
    .where('account_id', '=', e.accountId)
    .where('id', '=', e.id)
    .execute();
}

export async function deleteWebhookEndpoint(db: Kysely<DB>, accountId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_endpoints').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** The account's enabled endpoints with their filters: what an event fans out to. */
export async function listEnabledEndpointFilters(db: Kysely<DB>, accountId: string): Promise<{ id: string; eventTypes: string[] | null }[]> {
  const rows = await db.selectFrom('webhook_endpoints').select(['id', 'event_types']).where('account_id', '=', accountId).where('enabled', '=', 1).execute();
  return rows.map((r) => ({ id: r.id, eventTypes: r.event_types === null ? null : (JSON.parse(r.event_types) as string[]) }));
}

export async function insertWebhookDeliveries(
  db: Kysely<DB>,
  rows: { id: string; accountId: string; endpointId: string; eventId: string; eventSeq: number; customerKey: string; now: number }[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('webhook_deliveries')
    .values(
      rows.map((r) => ({
        id: r.id,
        account_id: r.accountId,
        endpoint_id: r.endpointId,
        event_id: r.eventId,
        event_seq: r.eventSeq,
        customer_key: r.customerKey,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: r.now,
        lease_owner: null,
        lease_until: null,
        last_status_code: null,
        last_error: null,
        delivered_at: null,
        created_at: r.now,
      })),
    )
    .execute();
}

/**
 * Takes the lease of up to `limit` due deliveries for `owner`, until `now + leaseMs`. A delivery
 * is due when it is pending, its time has come, its endpoint is enabled, no live lease holds it,
 * and no earlier delivery of the same endpoint and customer is still pending (order per
 * customer). The UPDATE re-checks the lease on each row it changes: on PostgreSQL a second
 * claimer waits for the first one's row lock, then finds the lease taken and skips the row; SQLite
 * has one writer at a time. Either way, one delivery has at most one holder.
 */
export async function claimDueDeliveries(db: Kysely<DB>, p: { owner: string; now: number; leaseMs: number; limit: number }): Promise<ClaimedDelivery[]> {
  const due = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select('d.id')
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<=', p.now)
    .where('e.enabled', '=', 1)
    .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', p.now)]))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('webhook_deliveries as earlier')
            .select('earlier.id')
            .whereRef('earlier.endpoint_id', '=', 'd.endpoint_id')
            .whereRef('earlier.customer_key', '=', 'd.customer_key')
            .where('earlier.status', '=', 'pending')
            .whereRef('earlier.event_seq', '<', 'd.event_seq'),
        ),
      ),
    )
    .orderBy('d.next_attempt_at')
    .orderBy('d.event_seq')
    .limit(p.limit);
  const claimed = await db
    .updateTable('webhook_deliveries')
    .set({ lease_owner: p.owner, lease_until: p.now + p.leaseMs })
    .where('id', 'in', due)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', p.now)]))
    .returning('id')
    .execute();
  if (claimed.length === 0) return [];
  const rows = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .innerJoin('events as v', 'v.id', 'd.event_id')
    .select(['d.id', 'd.account_id', 'd.attempts', 'e.id as endpoint_id', 'e.url', 'e.secret_sealed', 'v.id as event_id', 'v.type', 'v.customer_key', 'v.data', 'v.created_at'])
    .where(
      'd.id',
      'in',
      claimed.map((c) => c.id),
    )
    .where('d.lease_owner', '=', p.owner)
    .orderBy('d.event_seq')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    attempts: r.attempts,
    endpoint: { id: r.endpoint_id, url: r.url, secretSealed: r.secret_sealed },
    event: { id: r.event_id, type: r.type, customerKey: r.customer_key, data: JSON.parse(r.data) as Record<string, unknown>, createdAt: r.created_at },
  }));
}

/**
 * Writes an attempt's outcome and releases the lease, only while `owner` still holds it (a lease
 * that ran out may have passed to another instance, whose outcome then counts). Returns whether
 * it was written.
 */
export async function finishAttempt(
  db: Kysely<DB>,
  p: {
    deliveryId: string;
    owner: string;
    attempt: WebhookAttemptRecord;
    status: DeliveryStatus;
    attempts: number;
    nextAttemptAt: number;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({
      status: p.status,
      attempts: p.attempts,
      next_attempt_at: p.nextAttemptAt,
      lease_owner: null,
      lease_until: null,
      last_status_code: p.attempt.statusCode,
      last_error: p.attempt.error,
      ...(p.status === 'delivered' && { delivered_at: p.attempt.attemptedAt }),
    })
    .where('id', '=', p.deliveryId)
    .where('lease_owner', '=', p.owner)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await db
    .insertInto('webhook_attempts')
    .values({ delivery_id: p.deliveryId, attempted_at: p.attempt.attemptedAt, duration_ms: p.attempt.durationMs, status_code: p.attempt.statusCode, error: p.attempt.error })
    .execute();
  return true;
}

/** A success ends the endpoint's failing streak. */
export async function noteEndpointSuccess(db: Kysely<DB>, endpointId: string): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set({ failing_since: null, consecutive_failures: 0 })
    .where('id', '=', endpointId)
    .where((eb) => eb.or([eb('failing_since', 'is not', null), eb('consecutive_failures', '<>', 0)]))
    .execute();
}

/** Counts a failure in the endpoint's streak (started now if none runs); returns the streak. */
export async function noteEndpointFailure(db: Kysely<DB>, endpointId: string, now: number): Promise<{ failingSince: number; consecutiveFailures: number; enabled: boolean; accountId: string } | undefined> {
  await db
    .updateTable('webhook_endpoints')
    .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1), failing_since: eb.fn.coalesce('failing_since', eb.val(now)) }))
    .where('id', '=', endpointId)
    .execute();
  const row = await db.selectFrom('webhook_endpoints').select(['failing_since', 'consecutive_failures', 'enabled', 'account_id']).where('id', '=', endpointId).executeTakeFirst();
  return row && { failingSince: row.failing_since ?? now, consecutiveFailures: row.consecutive_failures, enabled: row.enabled === 1, accountId: row.account_id };
}

/** Turns an endpoint off because it keeps failing; false when it was already off. */
export async function disableFailingEndpoint(db: Kysely<DB>, endpointId: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('webhook_endpoints')
    .set({ enabled: 0, disabled_reason: 'failing', updated_at: now })
    .where('id', '=', endpointId)
    .where('enabled', '=', 1)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

const deliveryColumns = [
  'd.id',
  'd.endpoint_id',
  'd.event_id',
  'd.event_seq',
  'v.type',
  'd.customer_key',
  'd.status',
  'd.attempts',
  'd.next_attempt_at',
  'd.last_status_code',
  'd.last_error',
  'd.delivered_at',
  'd.created_at',
] as const;

/** An endpoint's deliveries, newest event first, before the cursor `beforeSeq`. */
export async function listWebhookDeliveries(db: Kysely<DB>, endpointId: string, page: { beforeSeq?: number | undefined; limit: number }): Promise<WebhookDeliveryRecord[]> {
  let query = db.selectFrom('webhook_deliveries as d').innerJoin('events as v', 'v.id', 'd.event_id').select(deliveryColumns).where('d.endpoint_id', '=', endpointId);
  if (page.beforeSeq !== undefined) query = query.where('d.event_seq', '<', page.beforeSeq);
  const rows = await query.orderBy('d.event_seq', 'desc').limit(page.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    eventSeq: r.event_seq,
    eventType: r.type,
    customerKey: r.customer_key,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
    createdAt: r.created_at,
  }));
}

export async function listWebhookAttempts(db: Kysely<DB>, deliveryIds: readonly string[]): Promise<WebhookAttemptRecord[]> {
  if (deliveryIds.length === 0) return [];
  const rows = await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('id').execute();
  return rows.map((r) => ({ deliveryId: r.delivery_id, attemptedAt: r.attempted_at, durationMs: r.duration_ms, statusCode: r.status_code, error: r.error }));
}

/**
 * Manual redelivery. A delivered or failed delivery is queued again from its first attempt; a
 * pending one is made due now (its lease, if an attempt runs, is left alone, so no second attempt
 * starts beside it). Returns false when the endpoint has no such delivery.
 */
export async function requeueWebhookDelivery(db: Kysely<DB>, endpointId: string, deliveryId: string, now: number): Promise<boolean> {
  const done = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, delivered_at: null })
    .where('id', '=', deliveryId)
    .where('endpoint_id', '=', endpointId)
    .where('status', '<>', 'pending')
    .executeTakeFirst();
  if (Number(done.numUpdatedRows) === 1) return true;
  const pending = await db
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: now })
    .where('id', '=', deliveryId)
    .where('endpoint_id', '=', endpointId)
    .executeTakeFirst();
  return Number(pending.numUpdatedRows) === 1;
}

/** Deletes delivered and failed deliveries (their attempts with them) created before `before`; pending ones stay. */
export async function deleteFinishedDeliveriesBefore(db: Kysely<DB>, before: number): Promise<number> {
  const result = await db.deleteFrom('webhook_deliveries').where('status', '<>', 'pending').where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
