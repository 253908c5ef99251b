import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import type { SsoObserver } from '../domain/sso/sso-pipeline.js';

/** How an API request's HTTP Basic authentication ended. */
export type ApiAuthenticationOutcome = 'success' | 'invalid' | 'throttled' | 'error';

/** How one webhook delivery attempt ended: delivered, to be retried, or given up. */
export type WebhookAttemptOutcome = 'delivered' | 'retry' | 'failed';

/**
 * The server's Prometheus metrics (docs/operations.md, Metrics), in a registry of this app's own:
 * several apps in one process (tests, benchmarks) never share or collide on a metric.
 */
export interface Metrics {
  readonly registry: Registry;
  /** One finished HTTP response; `route` is the route's pattern (never the raw URL), undefined when no route matched. */
  observeRequest(method: string, route: string | undefined, status: number, seconds: number): void;
  apiAuthentication(outcome: ApiAuthenticationOutcome): void;
  webhookAttempt(outcome: WebhookAttemptOutcome): void;
  /** What the SSO runtime reports (src/domain/sso/sso-pipeline.ts): logins ended and ACS validation time. */
  readonly sso: SsoObserver;
  /** The text exposition format, gauges read at this moment. */
  scrape(): Promise<string>;
  readonly contentType: string;
}

/** Route label of a request no route matched (404s, refused methods): one series, whatever the URL. */
const UNMATCHED_ROUTE = '(unmatched)';

/** ACS validation is a signature check and a few comparisons: milliseconds, not seconds. */
const ACS_VALIDATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export function createMetrics(deps: { database: Database; logger: Logger }): Metrics {
  const { database, logger } = deps;
  const registry = new Registry();
  // Event loop delay (nodejs_eventloop_lag_*), heap, GC, CPU and file descriptors, under their usual names.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpRequests = new Counter({ name: 'ssobridge_http_requests_total', help: 'HTTP responses sent, by method, route pattern and status.', labelNames: ['method', 'route', 'status'] as const, registers });
  const httpDuration = new Histogram({
    name: 'ssobridge_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its response, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    registers,
  });
  const apiAuthentications = new Counter({ name: 'ssobridge_api_authentications_total', help: 'HTTP Basic authentications of Customer Connection API requests, by outcome.', labelNames: ['outcome'] as const, registers });
  const ssoOutcomes = new Counter({
    name: 'ssobridge_sso_outcomes_total',
    help: 'Sign-ins ended, by outcome (success, failure, test), reason code and application kind.',
    labelNames: ['outcome', 'reason', 'app_kind'] as const,
    registers,
  });
  const acsValidation = new Histogram({ name: 'ssobridge_acs_validation_seconds', help: "Time to validate a SAML response at the ACS (signature, conditions, audience).", buckets: ACS_VALIDATION_BUCKETS, registers });
  const webhookDeliveries = new Counter({ name: 'ssobridge_webhook_deliveries_total', help: 'Webhook delivery attempts, by outcome (delivered, retry, failed).', labelNames: ['outcome'] as const, registers });

  new Gauge({
    name: 'ssobridge_webhook_backlog',
    help: 'Webhook deliveries pending (not yet delivered nor given up), read at scrape time.',
    registers,
    async collect() {
      try {
        const row = await database.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('count')).where('status', '=', 'pending').executeTakeFirst();
        this.set(Number(row?.count ?? 0));
      } catch (error) {
        // Absent rather than a false 0; a scrape with the database away still reports everything else.
        this.remove();
        logger.warn({ err: error }, 'metrics: could not count pending webhook deliveries');
      }
    },
  });
  new Gauge({
    name: 'ssobridge_db_pool_connections',
    help: 'PostgreSQL connection pool: connections open (total), idle, and requests waiting for one. Not reported on SQLite (one connection, no pool).',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const pool = database.poolStatistics?.();
      if (!pool) return;
      this.set({ state: 'total' }, pool.total);
      this.set({ state: 'idle' }, pool.idle);
      this.set({ state: 'waiting' }, pool.waiting);
    },
  });
  new Gauge({
    name: 'ssobridge_change_feed_lag_seconds',
    help: 'Time since the change feed last confirmed delivery (PostgreSQL: a notification or heartbeat heard; SQLite: a poll). Not reported while the feed is not running.',
    registers,
    collect() {
      const confirmedAt = database.changes.confirmedAt();
      // Absent (not 0, which would read as "current") while the feed does not run.
      if (confirmedAt === undefined) this.remove();
      else this.set(Math.max(0, Date.now() - confirmedAt) / 1000);
    },
  });

  return {
    registry,
    contentType: registry.contentType,
    // 1–2 µs a request together with the authentication count, against some 180 µs the server spends
    // on an API request (docs/benchmarks.md, Metrics overhead). prom-client's `labels()` children hash
    // their labels on each call all the same, so keeping them would save nothing.
    observeRequest(method, route, status, seconds) {
      const labels = { method, route: route ?? UNMATCHED_ROUTE };
      httpRequests.inc({ ...labels, status: String(status) });
      httpDuration.observe(labels, seconds);
    },
    apiAuthentication: (outcome) => apiAuthentications.inc({ outcome }),
    webhookAttempt: (outcome) => webhookDeliveries.inc({ outcome }),
    sso: {
      loginEnded: ({ outcome, reason, appKind }) => ssoOutcomes.inc({ outcome, reason, app_kind: appKind ?? 'unknown' }),
      acsValidated: (seconds) => acsValidation.observe(seconds),
    },
    scrape: () => registry.metrics(),
  };
}
