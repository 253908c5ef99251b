import type { Logger } from 'pino';
import type { ChangeFeed } from './db/change-feed.js';
import type { Services } from './services.js';

/**
 * How often the server's timed jobs run. (The change feed's own polling and heartbeat timing
 * lives in db/change-feed.ts, with the staleness rule it serves.)
 */
export const JOB_INTERVALS_MS = {
  /** Expired SSO transactions, tokens, replay entries and old sign-in log events. */
  pruneSsoState: 60_000,
  /** Credentials' last-used times, gathered in memory by the client authenticator. */
  flushCredentialLastUsed: 5_000,
  /** Looks for connections whose metadata URL is due (each is due every METADATA_REFRESH_HOURS). */
  refreshMetadata: 60_000,
  /** Certificate expiry notices (30, 7 and 1 days ahead); an hour late is soon enough. */
  sendCertificateExpiryNotices: 60 * 60_000,
  /** Webhook deliveries that are due (docs/webhooks.md); each run drains what is due, so this is the wait when nothing is. */
  deliverWebhooks: 200,
  /** Delivered and failed webhook deliveries older than 30 days leave the delivery log. */
  pruneWebhookDeliveries: 60 * 60_000,
} as const;

/**
 * The server's background work: the change feed (cache invalidation across instances) and the
 * timed jobs above. Building services starts none of it; `serve` starts it once the server
 * listens and stops it on close. Tests run a job's work by hand instead
 * (`services.sso.pruneExpiredState()`, `services.clientAuthenticator.flushLastUsed()`,
 * `services.metadataRefresh.runDue()`, `services.expiryNotices.sendDue()`,
 * `services.webhooks.deliverDue()`).
 */
export interface BackgroundJobs {
  start(): Promise<void>;
  /** Stops every job, waits for a run in progress, and flushes last-used times once more. Safe before start and twice. */
  stop(): Promise<void>;
}

export function createBackgroundJobs(deps: {
  services: Pick<Services, 'sso' | 'clientAuthenticator' | 'metadataRefresh' | 'expiryNotices' | 'webhooks'>;
  changes: ChangeFeed;
  logger: Logger;
}): BackgroundJobs {
  const { services, changes, logger } = deps;
  const timed = [
    repeat('prune expired SSO state', JOB_INTERVALS_MS.pruneSsoState, () => services.sso.pruneExpiredState(), logger),
    repeat('record credential last-used times', JOB_INTERVALS_MS.flushCredentialLastUsed, () => services.clientAuthenticator.flushLastUsed(), logger),
    repeat('refresh metadata', JOB_INTERVALS_MS.refreshMetadata, async () => void (await services.metadataRefresh.runDue()), logger),
    repeat('send certificate expiry notices', JOB_INTERVALS_MS.sendCertificateExpiryNotices, async () => void (await services.expiryNotices.sendDue()), logger),
    repeat('deliver webhooks', JOB_INTERVALS_MS.deliverWebhooks, async () => void (await services.webhooks.deliverDue()), logger),
    repeat('prune the webhook delivery log', JOB_INTERVALS_MS.pruneWebhookDeliveries, async () => void (await services.webhooks.pruneDeliveryLog()), logger),
  ];
  return {
    async start() {
      await changes.start();
      for (const job of timed) job.start();
    },
    async stop() {
      await Promise.all(timed.map((job) => job.stop()));
      await services.clientAuthenticator.flushLastUsed();
      await changes.stop();
    },
  };
}

/** Runs `work` every `intervalMs` after the previous run ended (runs never overlap); a failure is logged, not fatal. */
function repeat(name: string, intervalMs: number, work: () => Promise<void>, logger: Logger) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = () => {
    running = work()
      .catch((error: unknown) => logger.warn({ err: error, job: name }, `background job failed: ${name}`))
      .finally(() => {
        running = undefined;
        // unref: a timer alone never keeps the process alive (the HTTP server does).
        if (!stopped) timer = setTimeout(run, intervalMs).unref();
      });
  };
  return {
    start() {
      stopped = false;
      timer = setTimeout(run, intervalMs).unref();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
