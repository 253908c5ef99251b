import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Webhook } from 'standardwebhooks';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import { lockAccount } from '../../db/repositories/accounts-repository.js';
import {
  claimDueDeliveries,
  deleteFinishedDeliveriesBefore,
  deleteWebhookEndpoint,
  disableFailingEndpoint,
  findWebhookEndpoint,
  finishAttempt,
  insertWebhookDeliveries,
  insertWebhookEndpoint,
  listEnabledEndpointFilters,
  listWebhookAttempts,
  listWebhookDeliveries,
  listWebhookEndpoints,
  noteEndpointFailure,
  noteEndpointSuccess,
  requeueWebhookDelivery,
  updateWebhookEndpoint,
  type ClaimedDelivery,
  type DeliveryStatus,
  type WebhookEndpointRecord,
} from '../../db/repositories/webhooks-repository.js';
import { AppError } from '../../errors.js';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { StoredEvent } from '../events/event-log.js';
import type { EventType } from '../events/event-types.js';
import type { SecretSealer } from '../keys/secret-sealer.js';
import { FAILING_ENDPOINT_AFTER_MS, MAX_ATTEMPTS, retryDelayMs } from './retry-schedule.js';
import {
  createWebhookEndpointInput,
  MAX_WEBHOOK_ENDPOINTS,
  updateWebhookEndpointInput,
  WEBHOOK_ENDPOINT_LIMIT_MESSAGE,
  type CreateWebhookEndpointInput,
  type UpdateWebhookEndpointInput,
} from './webhook-schemas.js';
import type { SendOutcome, WebhookSender } from './webhook-sender.js';
import { parseInput } from '../validation.js';

/** What any surface may see of an endpoint: never the secret (only its hint). */
export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string;
  /** null = every event type. */
  eventTypes: EventType[] | null;
  enabled: boolean;
  /** Set when the service turned the endpoint off: a delivery used its whole retry schedule, and nothing reached the endpoint for over a day. */
  disabledReason: 'failing' | null;
  /** e.g. `whsec_…x9Q=`. */
  secretHint: string;
  failingSince: number | null;
  createdAt: number;
  updatedAt: number;
}

/** Returned by create and by a secret rotation: the only time the secret exists in plaintext. */
export interface WebhookEndpointWithSecret {
  endpoint: WebhookEndpointView;
  secret: string;
}

export interface WebhookAttemptView {
  attemptedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

export interface WebhookDeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  /** The customer's idpId; '' for account-wide events. */
  customerKey: string;
  status: DeliveryStatus;
  attempts: WebhookAttemptView[];
  nextAttemptAt: number | null;
  deliveredAt: number | null;
  createdAt: number;
}

export interface WebhookDeliveryOptions {
  /** How long a claimed delivery is an instance's own; well above the sender's timeout. */
  leaseMs: number;
  /** Deliveries claimed at once; all of a batch are sent concurrently. */
  batchSize: number;
  /**
   * Attempts this instance starts per second at most. Draining a backlog (a receiver back after
   * an outage) would otherwise take the instance's CPU from the API and the SSO runtime: with a
   * receiver answering in a millisecond it did, down to 6 % of the API's req/s (docs/benchmarks.md).
   */
  maxPerSecond: number;
}

/** How long the delivery log keeps a delivered or failed delivery (docs/webhooks.md). */
export const DELIVERY_LOG_RETENTION_MS = 30 * 86_400_000;

export const defaultWebhookDeliveryOptions: WebhookDeliveryOptions = { leaseMs: 60_000, batchSize: 32, maxPerSecond: 100 };

/** Standard Webhooks secrets: `whsec_` and base64 of the key; 32 random bytes (the spec allows 24–64). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** What a sealed signing secret is bound to (its table, column and row): re-encryption opens it with the same context. */
export const webhookSecretContext = (endpointId: string) => `webhook_endpoints.secret_sealed:${endpointId}`;
const sealContext = webhookSecretContext;
const hintOf = (secret: string) => `whsec_…${secret.slice(-4)}`;

function toView(e: WebhookEndpointRecord): WebhookEndpointView {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    eventTypes: e.eventTypes as EventType[] | null,
    enabled: e.enabled,
    disabledReason: e.disabledReason === 'failing' ? 'failing' : null,
    secretHint: e.secretHint,
    failingSince: e.failingSince,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

const notFound = () => new AppError('WEBHOOK_ENDPOINT_NOT_FOUND', 'No webhook endpoint with this id in the account.');

/**
 * The Standard Webhooks payload, `{ type, timestamp, data }`: `data` is the event's data as
 * `GET …/events` shows it (docs/events.md), and the event's id is the `webhook-id` header.
 */
export function webhookPayload(event: ClaimedDelivery['event']): string {
  return JSON.stringify({ type: event.type, timestamp: new Date(event.createdAt).toISOString(), data: event.data });
}

/**
 * Account › Webhooks (docs/webhooks.md): endpoints, the fan-out of each recorded event to them (in
 * the event's transaction), and the delivery worker any instance runs.
 */
export function createWebhookService(deps: {
  db: Kysely<DB>;
  clock: Clock;
  audit: AuditLog;
  sealer: SecretSealer;
  send: WebhookSender;
  logger: Logger;
  options?: Partial<WebhookDeliveryOptions>;
  /** Told how each attempt ended (the server's metrics): delivered, pending again (`retry`), or given up. */
  observeAttempt?: (outcome: 'delivered' | 'retry' | 'failed') => void;
}) {
  const { db, clock, audit, sealer, send, logger } = deps;
  const options = { ...defaultWebhookDeliveryOptions, ...deps.options };
  /** Names this instance's leases; a restarted instance is a new owner. */
  const owner = `wh_${randomUUID()}`;
  const workerActor = (accountId: string): Actor => ({ kind: 'operator', id: 'webhook-delivery', label: 'webhook delivery', accountId, sourceIp: 'local' });

  const findOrThrow = async (dbOrTrx: Kysely<DB>, accountId: string, id: string) => {
    const endpoint = await findWebhookEndpoint(dbOrTrx, accountId, id);
    if (!endpoint) throw notFound();
    return endpoint;
  };

  /** Sends one claimed delivery and writes its outcome; a failure schedules the next attempt. */
  const attempt = async (delivery: ClaimedDelivery): Promise<void> => {
    const attemptedAt = clock.now();
    let outcome: SendOutcome;
    let secret: string | undefined;
    try {
      secret = sealer.open(delivery.endpoint.secretSealed, sealContext(delivery.endpoint.id));
    } catch (error) {
      logger.warn({ err: error, deliveryId: delivery.id, endpointId: delivery.endpoint.id }, 'webhook signing secret does not open');
    }
    if (secret === undefined) {
      outcome = { statusCode: null, error: 'the signing secret could not be opened (KEY_ENCRYPTION_KEY)', durationMs: 0 };
    } else {
      const body = webhookPayload(delivery.event);
      // webhook-id is the event id on every attempt and every endpoint: receivers dedupe on it.
      const signature = new Webhook(secret).sign(delivery.event.id, new Date(attemptedAt), body);
      outcome = await send(delivery.endpoint.url, body, {
        'webhook-id': delivery.event.id,
        'webhook-timestamp': String(Math.floor(attemptedAt / 1000)),
        'webhook-signature': signature,
      });
    }
    const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    const attempts = delivery.attempts + 1;
    const error = ok ? null : (outcome.error ?? (outcome.statusCode !== null && outcome.statusCode >= 300 && outcome.statusCode < 400 ? `HTTP ${outcome.statusCode} (redirects are not followed)` : `HTTP ${outcome.statusCode}`));
    const delay = ok ? null : retryDelayMs(attempts);
    const now = clock.now();
    const status: DeliveryStatus = ok ? 'delivered' : delay === null || attempts >= MAX_ATTEMPTS ? 'failed' : 'pending';
    await db.transaction().execute(async (trx) => {
      const written = await finishAttempt(trx, {
        deliveryId: delivery.id,
        owner,
        attempt: { deliveryId: delivery.id, attemptedAt, durationMs: outcome.durationMs, statusCode: outcome.statusCode, error },
        status,
        attempts,
        nextAttemptAt: delay === null ? now : now + delay,
      });
      if (!written) return;
      if (ok) return noteEndpointSuccess(trx, delivery.endpoint.id);
      const streak = await noteEndpointFailure(trx, delivery.endpoint.id, attemptedAt);
      if (status === 'failed' && streak?.enabled && now - streak.failingSince >= FAILING_ENDPOINT_AFTER_MS) {
        if (await disableFailingEndpoint(trx, delivery.endpoint.id, now)) {
          await audit.record(trx, workerActor(streak.accountId), {
            action: 'webhook_endpoint.disabled_failing',
            targetKind: 'webhook_endpoint',
            targetId: delivery.endpoint.id,
            details: { failingSince: new Date(streak.failingSince).toISOString(), consecutiveFailures: streak.consecutiveFailures },
          });
          logger.warn({ endpointId: delivery.endpoint.id, accountId: streak.accountId }, 'webhook endpoint turned off: every delivery failed for a day');
        }
      }
    });
    deps.observeAttempt?.(status === 'pending' ? 'retry' : status);
  };

  return {
    async listEndpoints(accountId: string): Promise<WebhookEndpointView[]> {
      return (await listWebhookEndpoints(db, accountId)).map(toView);
    },

    async getEndpoint(accountId: string, id: string): Promise<WebhookEndpointView> {
      return toView(await findOrThrow(db, accountId, id));
    },

    /** A new endpoint and its signing secret, returned once. Refused beyond MAX_WEBHOOK_ENDPOINTS. */
    async createEndpoint(actor: Actor, input: CreateWebhookEndpointInput | Record<string, unknown>): Promise<WebhookEndpointWithSecret> {
      const values = parseInput(createWebhookEndpointInput, input);
      const secret = generateWebhookSecret();
      const id = `we_${randomUUID().replaceAll('-', '')}`;
      const now = clock.now();
      const record: WebhookEndpointRecord = {
        id,
        accountId: actor.accountId,
        url: values.url,
        description: values.description,
        eventTypes: values.eventTypes,
        enabled: values.enabled,
        disabledReason: null,
        secretSealed: sealer.seal(secret, sealContext(id)),
        secretHint: hintOf(secret),
        failingSince: null,
        consecutiveFailures: 0,
        createdAt: now,
        updatedAt: now,
      };
      await db.transaction().execute(async (trx) => {
        // The account row lock serializes creates, so two racing requests cannot both see 9.
        if (!(await lockAccount(trx, actor.accountId))) throw new AppError('ACCOUNT_NOT_FOUND', 'No such account.');
        if ((await listWebhookEndpoints(trx, actor.accountId)).length >= MAX_WEBHOOK_ENDPOINTS) throw new AppError('WEBHOOK_ENDPOINT_LIMIT_REACHED', WEBHOOK_ENDPOINT_LIMIT_MESSAGE);
        await insertWebhookEndpoint(trx, record);
        await audit.record(trx, actor, {
          action: 'webhook_endpoint.created',
          targetKind: 'webhook_endpoint',
          targetId: id,
          details: { url: record.url, description: record.description, eventTypes: record.eventTypes?.join(',') ?? 'all', enabled: record.enabled, secretHint: record.secretHint },
        });
      });
      return { endpoint: toView(record), secret };
    },

    /** Changes what is given; `rotateSecret` returns the new secret, once (the old one stops at once). */
    async updateEndpoint(actor: Actor, id: string, input: UpdateWebhookEndpointInput | Record<string, unknown>): Promise<{ endpoint: WebhookEndpointView; secret: string | undefined }> {
      const changes = parseInput(updateWebhookEndpointInput, input);
      const secret = changes.rotateSecret ? generateWebhookSecret() : undefined;
      const updated = await db.transaction().execute(async (trx) => {
        if (!(await lockAccount(trx, actor.accountId))) throw notFound();
        const current = await findOrThrow(trx, actor.accountId, id);
        const enabled = changes.enabled ?? current.enabled;
        const turnedOn = enabled && !current.enabled;
        const next: WebhookEndpointRecord = {
          ...current,
          url: changes.url ?? current.url,
          description: changes.description ?? current.description,
          eventTypes: changes.eventTypes === undefined ? current.eventTypes : changes.eventTypes,
          enabled,
          disabledReason: enabled ? null : current.disabledReason,
          // Turned on again: the failing streak starts over, or the next failure would turn it off.
          failingSince: turnedOn ? null : current.failingSince,
          consecutiveFailures: turnedOn ? 0 : current.consecutiveFailures,
          ...(secret !== undefined && { secretSealed: sealer.seal(secret, sealContext(id)), secretHint: hintOf(secret) }),
          updatedAt: clock.now(),
        };
        await updateWebhookEndpoint(trx, next);
        const changed: Record<string, string | boolean> = Object.fromEntries(
          (['url', 'description', 'enabled'] as const).filter((k) => next[k] !== current[k]).map((k) => [k, next[k]]),
        );
        if (JSON.stringify(next.eventTypes) !== JSON.stringify(current.eventTypes)) changed.eventTypes = next.eventTypes?.join(',') ?? 'all';
        if (secret !== undefined) changed.secretHint = next.secretHint;
        await audit.record(trx, actor, { action: secret !== undefined ? 'webhook_endpoint.secret_rotated' : 'webhook_endpoint.updated', targetKind: 'webhook_endpoint', targetId: id, details: changed });
        return next;
      });
      return { endpoint: toView(updated), secret };
    },

    /** Deletes the endpoint and its deliveries (pending ones are never sent). */
    async deleteEndpoint(actor: Actor, id: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const current = await findOrThrow(trx, actor.accountId, id);
        await deleteWebhookEndpoint(trx, actor.accountId, id);
        await audit.record(trx, actor, { action: 'webhook_endpoint.deleted', targetKind: 'webhook_endpoint', targetId: id, details: { url: current.url, description: current.description } });
      });
    },

    /** The endpoint's delivery log, newest event first, with every attempt. */
    async listDeliveries(accountId: string, endpointId: string, page: { beforeSeq?: number | undefined; limit: number }): Promise<{ deliveries: WebhookDeliveryView[]; nextBeforeSeq: number | undefined }> {
      await findOrThrow(db, accountId, endpointId);
      const rows = await listWebhookDeliveries(db, endpointId, { beforeSeq: page.beforeSeq, limit: page.limit + 1 });
      const shown = rows.slice(0, page.limit);
      const attempts = await listWebhookAttempts(
        db,
        shown.map((d) => d.id),
      );
      return {
        deliveries: shown.map((d) => ({
          id: d.id,
          eventId: d.eventId,
          eventType: d.eventType,
          customerKey: d.customerKey,
          status: d.status,
          attempts: attempts.filter((a) => a.deliveryId === d.id).map(({ deliveryId: _, ...a }) => a),
          nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
          deliveredAt: d.deliveredAt,
          createdAt: d.createdAt,
        })),
        nextBeforeSeq: rows.length > page.limit ? shown.at(-1)?.eventSeq : undefined,
      };
    },

    /** Manual redelivery: the same event (same webhook-id) sent again, from a fresh retry schedule. */
    async redeliver(actor: Actor, endpointId: string, deliveryId: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await findOrThrow(trx, actor.accountId, endpointId);
        if (!(await requeueWebhookDelivery(trx, endpointId, deliveryId, clock.now()))) {
          throw new AppError('WEBHOOK_DELIVERY_NOT_FOUND', 'This webhook endpoint has no delivery with this id.');
        }
        await audit.record(trx, actor, { action: 'webhook_delivery.redelivered', targetKind: 'webhook_endpoint', targetId: endpointId, details: { deliveryId } });
      });
    },

    /**
     * The outbox hook (createEventLog's `afterRecord`): one pending delivery per enabled endpoint
     * of the account whose filter takes the event, in the event's own transaction.
     */
    async queueDeliveries(trx: Kysely<DB>, event: StoredEvent): Promise<void> {
      const endpoints = await listEnabledEndpointFilters(trx, event.accountId);
      const matching = endpoints.filter((e) => e.eventTypes === null || e.eventTypes.includes(event.type));
      await insertWebhookDeliveries(
        trx,
        matching.map((e) => ({
          id: `wd_${randomUUID().replaceAll('-', '')}`,
          accountId: event.accountId,
          endpointId: e.id,
          eventId: event.id,
          eventSeq: event.seq,
          customerKey: event.customerKey,
          now: event.createdAt,
        })),
      );
    },

    /** Drops delivered and failed deliveries older than the delivery log keeps (run hourly by src/jobs.ts). */
    async pruneDeliveryLog(): Promise<number> {
      return deleteFinishedDeliveriesBefore(db, clock.now() - DELIVERY_LOG_RETENTION_MS);
    },

    /**
     * One run of the delivery worker (src/jobs.ts): keeps up to `batchSize` attempts in flight,
     * claiming more as they finish, until none is due and none is in flight. Returns how many
     * attempts it made.
     */
    async deliverDue(): Promise<number> {
      let made = 0;
      const inFlight = new Set<Promise<void>>();
      // The pace is kept in real time (performance.now), whatever clock decides what is due.
      let windowStart = performance.now();
      let startedInWindow = 0;
      for (;;) {
        if (performance.now() - windowStart >= 1000) {
          windowStart = performance.now();
          startedInWindow = 0;
        }
        const allowed = options.maxPerSecond - startedInWindow;
        if (allowed <= 0) {
          await (inFlight.size > 0 ? Promise.race(inFlight) : new Promise((resolve) => setTimeout(resolve, 1000 - (performance.now() - windowStart))));
          continue;
        }
        const free = Math.min(options.batchSize - inFlight.size, allowed);
        // Claim when half the slots are free (one query per several attempts, not one per attempt).
        const claimed = free >= Math.min(options.batchSize / 2, allowed) ? await claimDueDeliveries(db, { owner, now: clock.now(), leaseMs: options.leaseMs, limit: free }) : [];
        startedInWindow += claimed.length;
        for (const delivery of claimed) {
          const running: Promise<void> = attempt(delivery)
            .catch((error: unknown) => logger.warn({ err: error, deliveryId: delivery.id }, 'webhook delivery attempt could not be recorded'))
            .finally(() => inFlight.delete(running));
          inFlight.add(running);
        }
        made += claimed.length;
        if (inFlight.size === 0) return made;
        await Promise.race(inFlight);
      }
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
