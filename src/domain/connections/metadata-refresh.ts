import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import { findCustomerById } from '../../db/repositories/customers-repository.js';
import {
  claimDueRefreshes,
  listCustomersToMatch,
  markCustomerMatched,
  recordRefreshOutcome,
  trackMetadataUrl,
  type ClaimedRefresh,
} from '../../db/repositories/metadata-refresh-repository.js';
import { isAppError } from '../../errors.js';
import type { Actor } from '../actor.js';
import { newEvent } from '../events/event-data.js';
import type { EventLog } from '../events/event-log.js';
import { idpSettingsSchema } from '../model.js';
import type { CustomerService } from './customer-service.js';
import type { CustomerViewCache } from './customer-view-cache.js';

export interface MetadataRefreshOptions {
  /** How often each metadata URL is fetched (METADATA_REFRESH_HOURS). */
  intervalMs: number;
  /** How many fetches run at once on one instance (METADATA_REFRESH_CONCURRENCY). */
  concurrency: number;
  /** How many fetches one instance starts per second at most (METADATA_REFRESH_PER_SECOND). */
  perSecond: number;
}

export interface MetadataRefreshRun {
  /** URLs fetched by this instance in this run. */
  attempted: number;
  /** Of those, the connections whose settings changed (one audit event each). */
  changed: number;
  failed: number;
}

/** A failed refresh is tried again sooner than the interval, so a fixed IdP is picked up soon. */
const RETRY_AFTER_FAILURE_MS = 60 * 60_000;
/**
 * How long a claimed row stays with the instance that claimed it. A claim holds at most
 * CLAIM_ROUNDS fetches per worker, each bounded by the fetch time limit (at most 60 s); an
 * instance that dies mid-run leaves its rows due again after this.
 */
const CLAIM_LEASE_MS = 15 * 60_000;
const CLAIM_ROUNDS = 4;
const MATCH_BATCH = 500;

/** Spreads due times by ±10 %, so connections saved together (a bulk import) are not all fetched at once again. */
const jittered = (ms: number, random: () => number) => Math.round(ms * (0.9 + 0.2 * random()));

const refreshActor = (accountId: string): Actor => ({ kind: 'operator', id: 'metadata-refresh', label: 'scheduled metadata refresh', accountId, sourceIp: 'local' });

const metadataUrlOf = (settingsJson: string): string | null => {
  try {
    const parsed = idpSettingsSchema.shape.metadataUrl.safeParse((JSON.parse(settingsJson) as { metadataUrl?: unknown }).metadataUrl ?? null);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
};

/**
 * Fetches the metadata of every connection configured by metadata URL again, on a schedule, and
 * applies it through `putCustomer` (the code a PUT runs): a change (a new signing certificate, a
 * moved SSO URL) updates the connection with one audit event; unchanged metadata writes nothing;
 * a failure (HTTP error, metadata that fails the pre-scan or the checks) changes nothing and is
 * recorded with its reason and a `metadata_refresh.failed` event. Due rows are claimed in the database, so instances sharing it fetch
 * each URL once per interval. `runDue` is the whole job: src/jobs.ts runs it, tests call it.
 */
export function createMetadataRefresh(deps: {
  db: Kysely<DB>;
  clock: Clock;
  putCustomer: CustomerService['putCustomer'];
  views: CustomerViewCache;
  events: EventLog;
  logger: Logger;
  options: MetadataRefreshOptions;
  /** Jitter source; [0, 1). */
  random?: () => number;
}) {
  const { db, clock, logger, options } = deps;
  const random = deps.random ?? Math.random;
  const pace = createPacer(options.perSecond);

  /** Brings the schedule up to date with customers created or changed since the last run. */
  const matchCustomers = async () => {
    for (;;) {
      const batch = await listCustomersToMatch(db, MATCH_BATCH);
      for (const c of batch) {
        const url = metadataUrlOf(c.settings);
        if (c.tracked && c.trackedUrl === url) await markCustomerMatched(db, c.customerId, c.updatedAt);
        // Saving the URL fetched it: the first scheduled refresh is one interval after that.
        else await trackMetadataUrl(db, { customerId: c.customerId, accountId: c.accountId, metadataUrl: url, customerUpdatedAt: c.updatedAt, nextRefreshAt: url === null ? null : c.updatedAt + jittered(options.intervalMs, random) });
      }
      if (batch.length < MATCH_BATCH) return;
    }
  };

  /** One connection: fetch and apply; returns what to record (never throws for the connection's own problems). */
  const refreshOne = async (claim: ClaimedRefresh): Promise<{ claim: ClaimedRefresh; idpId: string; changed: boolean; error: string | null } | undefined> => {
    const record = await findCustomerById(db, claim.accountId, claim.customerId);
    // Deleted, or given another URL since the claim: the next match sees to it.
    if (!record || record.settings.metadataUrl !== claim.metadataUrl) return undefined;
    try {
      // The connection's other settings as they are; only the IdP half comes from the metadata.
      const { customer } = await deps.putCustomer(refreshActor(claim.accountId), record.idpId, {
        metadataUrl: claim.metadataUrl,
        enabled: record.enabled,
        idpInitiatedLogin: record.idpInitiatedLogin,
        emailDomains: record.settings.emailDomains,
        ...(record.settings.contactEmail !== null && { contactEmail: record.settings.contactEmail }),
      }, { ifUnmodifiedSince: record.updatedAt });
      return { claim, idpId: record.idpId, changed: customer.updatedAt !== record.updatedAt, error: null };
    } catch (error) {
      const known = isAppError(error) && error.kind !== 'internal';
      logger.warn({ err: error, idpId: record.idpId, accountId: claim.accountId, job: 'metadata refresh' }, 'metadata refresh failed; the connection keeps its last good metadata');
      return { claim, idpId: record.idpId, changed: false, error: known ? error.message : 'An internal error stopped the refresh (see the server log).' };
    }
  };

  /**
   * Records a batch's outcomes in one transaction and tells every instance's view cache which
   * customers' refresh status changed: only those views are dropped, so the account's other
   * cached customers keep being served while thousands of URLs are refreshed.
   */
  const recordOutcomes = async (outcomes: { claim: ClaimedRefresh; idpId: string; error: string | null }[]) => {
    const at = clock.now();
    await db.transaction().execute(async (trx) => {
      for (const o of outcomes) {
        const next = at + jittered(o.error === null ? options.intervalMs : Math.min(options.intervalMs, RETRY_AFTER_FAILURE_MS), random);
        await recordRefreshOutcome(trx, o.claim.customerId, o.claim.metadataUrl, { at, nextRefreshAt: next, error: o.error });
        if (o.error !== null) {
          await deps.events.record(
            trx,
            newEvent('metadata_refresh.failed', o.claim.accountId, o.idpId, { idpId: o.idpId, metadataUrl: o.claim.metadataUrl, reason: o.error, nextAttemptAt: new Date(next).toISOString() }),
          );
        }
        await deps.views.announceCustomerChange(trx, o.claim.accountId, o.idpId);
      }
    });
    for (const o of outcomes) deps.views.dropCustomer(o.claim.accountId, o.idpId);
  };

  return {
    async runDue(): Promise<MetadataRefreshRun> {
      await matchCustomers();
      const run: MetadataRefreshRun = { attempted: 0, changed: 0, failed: 0 };
      for (;;) {
        const now = clock.now();
        const claimed = await claimDueRefreshes(db, now, now + CLAIM_LEASE_MS, options.concurrency * CLAIM_ROUNDS);
        if (claimed.length === 0) return run;
        const outcomes = (await mapLimited(claimed, options.concurrency, async (claim) => {
          await pace();
          return refreshOne(claim);
        })).filter((o) => o !== undefined);
        await recordOutcomes(outcomes);
        run.attempted += outcomes.length;
        run.changed += outcomes.filter((o) => o.changed).length;
        run.failed += outcomes.filter((o) => o.error !== null).length;
      }
    },
  };
}

/**
 * Spaces starts `1 / perSecond` seconds apart. All URLs can be due at once (a bulk import, a restart
 * after downtime); spread out, their fetching and parsing take a bounded share of the event loop
 * that also answers API and sign-in requests. Real time, not the injected clock: this paces work,
 * it does not decide what is due.
 */
function createPacer(perSecond: number): () => Promise<void> {
  const spacingMs = 1000 / perSecond;
  let nextStart = 0;
  return async () => {
    const now = performance.now();
    const startAt = Math.max(now, nextStart);
    nextStart = startAt + spacingMs;
    if (startAt > now) await new Promise((resolve) => setTimeout(resolve, startAt - now));
  };
}

/** `work` over every item, at most `limit` at a time; results in the items' order. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export type MetadataRefresh = ReturnType<typeof createMetadataRefresh>;
