import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

/** A customer whose refresh row is missing or was matched to an older version of the customer. */
export interface CustomerToMatch {
  customerId: string;
  accountId: string;
  updatedAt: number;
  /** The customer's settings column, as stored (JSON text). */
  settings: string;
  /** Whether a refresh row exists, and the URL it is about. */
  tracked: boolean;
  trackedUrl: string | null;
}

export interface ClaimedRefresh {
  customerId: string;
  accountId: string;
  metadataUrl: string;
}

export interface MetadataRefreshRecord {
  metadataUrl: string | null;
  nextRefreshAt: number | null;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  lastErrorAt: number | null;
  lastError: string | null;
}

/** Up to `limit` customers created or changed since their refresh row was last matched to them. */
export async function listCustomersToMatch(db: Kysely<DB>, limit: number): Promise<CustomerToMatch[]> {
  const rows = await db
    .selectFrom('customers')
    .leftJoin('metadata_refresh', 'metadata_refresh.customer_id', 'customers.id')
    .select(['customers.id', 'customers.account_id', 'customers.updated_at', 'customers.settings', 'metadata_refresh.customer_id as tracked_id', 'metadata_refresh.metadata_url'])
    .where((eb) => eb.or([eb('metadata_refresh.customer_id', 'is', null), eb('metadata_refresh.customer_updated_at', '<>', eb.ref('customers.updated_at'))]))
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    customerId: r.id,
    accountId: r.account_id,
    updatedAt: r.updated_at,
    settings: r.settings,
    tracked: r.tracked_id !== null,
    trackedUrl: r.metadata_url,
  }));
}

/**
 * Starts (or restarts, for a new URL) a customer's refresh row: a new URL has no outcomes yet.
 * A row that already has this URL is left alone: another instance matched it first (and may have
 * claimed it since), and resetting its due time would make it due twice.
 */
export async function trackMetadataUrl(db: Kysely<DB>, row: { customerId: string; accountId: string; metadataUrl: string | null; customerUpdatedAt: number; nextRefreshAt: number | null }): Promise<void> {
  const url = row.metadataUrl;
  const values = { metadata_url: url, customer_updated_at: row.customerUpdatedAt, next_refresh_at: row.nextRefreshAt, last_attempt_at: null, last_success_at: null, last_error_at: null, last_error: null };
  await db
    .insertInto('metadata_refresh')
    .values({ customer_id: row.customerId, account_id: row.accountId, ...values })
    .onConflict((oc) =>
      oc
        .column('customer_id')
        .doUpdateSet(values)
        .where((eb) =>
          url === null
            ? eb('metadata_refresh.metadata_url', 'is not', null)
            : eb.or([eb('metadata_refresh.metadata_url', 'is', null), eb('metadata_refresh.metadata_url', '<>', url)]),
        ),
    )
    .execute();
}

/** The customer changed but kept its metadata URL: only remember which version was seen. */
export async function markCustomerMatched(db: Kysely<DB>, customerId: string, customerUpdatedAt: number): Promise<void> {
  await db.updateTable('metadata_refresh').set({ customer_updated_at: customerUpdatedAt }).where('customer_id', '=', customerId).execute();
}

/**
 * Claims up to `limit` due rows for this instance: one UPDATE moves their due time to `leaseUntil`
 * (so another instance skips them) and returns them. The outer `next_refresh_at <= now` is
 * re-checked by PostgreSQL on a row another transaction updated meanwhile (READ COMMITTED), so
 * two racing claims never return the same row; SQLite runs one writer at a time.
 */
export async function claimDueRefreshes(db: Kysely<DB>, now: number, leaseUntil: number, limit: number): Promise<ClaimedRefresh[]> {
  const rows = await db
    .updateTable('metadata_refresh')
    .set({ next_refresh_at: leaseUntil, last_attempt_at: now })
    .where('customer_id', 'in', (eb) =>
      eb.selectFrom('metadata_refresh').select('customer_id').where('next_refresh_at', '<=', now).where('metadata_url', 'is not', null).orderBy('next_refresh_at').limit(limit),
    )
    .where('next_refresh_at', '<=', now)
    .returning(['customer_id', 'account_id', 'metadata_url'])
    .execute();
  return rows.flatMap((r) => (r.metadata_url === null ? [] : [{ customerId: r.customer_id, accountId: r.account_id, metadataUrl: r.metadata_url }]));
}

/** Records the outcome of one refresh of `metadataUrl` (ignored when the customer's URL changed meanwhile). */
export async function recordRefreshOutcome(
  db: Kysely<DB>,
  customerId: string,
  metadataUrl: string,
  outcome: { at: number; nextRefreshAt: number; error: string | null },
): Promise<void> {
  await db
    .updateTable('metadata_refresh')
    .set(
      outcome.error === null
        ? { next_refresh_at: outcome.nextRefreshAt, last_success_at: outcome.at, last_error_at: null, last_error: null }
        : { next_refresh_at: outcome.nextRefreshAt, last_error_at: outcome.at, last_error: outcome.error },
    )
    .where('customer_id', '=', customerId)
    .where('metadata_url', '=', metadataUrl)
    .execute();
}

export async function findMetadataRefresh(db: Kysely<DB>, customerId: string): Promise<MetadataRefreshRecord | undefined> {
  const row = await db.selectFrom('metadata_refresh').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
  return (
    row && {
      metadataUrl: row.metadata_url,
      nextRefreshAt: row.next_refresh_at,
      lastAttemptAt: row.last_attempt_at,
      lastSuccessAt: row.last_success_at,
      lastErrorAt: row.last_error_at,
      lastError: row.last_error,
    }
  );
}
