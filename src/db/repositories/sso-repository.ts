import type { Kysely } from 'kysely';
import type { DB, SsoEventsTable } from '../schema.js';

export interface SsoTransactionRecord {
  id: string;
  accountId: string;
  customerId: string;
  applicationId: string;
  appUrl: string | null;
  errorUrl: string | null;
  forceAuthn: boolean;
  createdAt: number;
  expiresAt: number;
}

export async function insertSsoTransaction(db: Kysely<DB>, t: SsoTransactionRecord): Promise<void> {
  await db
    .insertInto('sso_transactions')
    .values({
      id: t.id,
      account_id: t.accountId,
      customer_id: t.customerId,
      application_id: t.applicationId,
      app_url: t.appUrl,
      error_url: t.errorUrl,
      force_authn: t.forceAuthn ? 1 : 0,
      created_at: t.createdAt,
      expires_at: t.expiresAt,
      consumed_at: null,
    })
    .execute();
}

export async function findSsoTransaction(db: Kysely<DB>, id: string): Promise<(SsoTransactionRecord & { consumedAt: number | null }) | undefined> {
  const row = await db.selectFrom('sso_transactions').selectAll().where('id', '=', id).executeTakeFirst();
  return (
    row && {
      id: row.id,
      accountId: row.account_id,
      customerId: row.customer_id,
      applicationId: row.application_id,
      appUrl: row.app_url,
      errorUrl: row.error_url,
      forceAuthn: row.force_authn === 1,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      consumedAt: row.consumed_at,
    }
  );
}

/** Marks the transaction used; true only for the one caller that did (a response answers once). */
export async function consumeSsoTransaction(db: Kysely<DB>, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('sso_transactions')
    .set({ consumed_at: now })
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Records an assertion as used; false when it already was (a replay, on any instance). */
export async function recordUsedAssertion(db: Kysely<DB>, key: string, expiresAt: number): Promise<boolean> {
  const result = await db.insertInto('used_assertions').values({ key, expires_at: expiresAt }).onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function insertSsoToken(
  db: Kysely<DB>,
  t: { tokenHash: string; accountId: string; applicationId: string; attributes: string; createdAt: number; expiresAt: number },
): Promise<void> {
  await db
    .insertInto('sso_tokens')
    .values({
      token_hash: t.tokenHash,
      account_id: t.accountId,
      application_id: t.applicationId,
      attributes: t.attributes,
      created_at: t.createdAt,
      expires_at: t.expiresAt,
      consumed_at: null,
    })
    .execute();
}

export async function findSsoToken(db: Kysely<DB>, tokenHash: string) {
  const row = await db.selectFrom('sso_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return row && { accountId: row.account_id, applicationId: row.application_id, attributes: row.attributes, expiresAt: row.expires_at, consumedAt: row.consumed_at };
}

/** Single use under races: only one exchange can flip consumed_at. */
export async function consumeSsoToken(db: Kysely<DB>, tokenHash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('sso_tokens')
    .set({ consumed_at: now })
    .where('token_hash', '=', tokenHash)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertSsoEvent(db: Kysely<DB>, e: Omit<SsoEventsTable, 'id'>): Promise<void> {
  await db.insertInto('sso_events').values(e).execute();
}

export interface SsoEventRecord {
  id: number;
  customerId: string | null;
  applicationId: string | null;
  at: number;
  outcome: 'success' | 'failure';
  reason: string;
  assertionId: string | null;
  requestId: string;
  detail: string | null;
}

export interface SsoEventFilter {
  customerId?: string | undefined;
  applicationId?: string | undefined;
  outcome?: 'success' | 'failure' | undefined;
  /** The cursor: only events older than this one (ids grow with time). */
  beforeId?: number | undefined;
  limit: number;
}

/** One account's SSO events, newest first (keyset pagination on the id). */
export async function listSsoEvents(db: Kysely<DB>, accountId: string, filter: SsoEventFilter): Promise<SsoEventRecord[]> {
  let query = db.selectFrom('sso_events').selectAll().where('account_id', '=', accountId);
  if (filter.customerId !== undefined) query = query.where('customer_id', '=', filter.customerId);
  if (filter.applicationId !== undefined) query = query.where('application_id', '=', filter.applicationId);
  if (filter.outcome !== undefined) query = query.where('outcome', '=', filter.outcome);
  if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    customerId: r.customer_id,
    applicationId: r.application_id,
    at: r.at,
    outcome: r.outcome,
    reason: r.reason,
    assertionId: r.assertion_id,
    requestId: r.request_id,
    detail: r.detail,
  }));
}

/** How long the sign-in log keeps events. */
export const SSO_EVENT_RETENTION_MS = 30 * 24 * 3600_000;

/** Expired SSO state is of no use to anyone; delete it in the background. */
export async function pruneSsoState(db: Kysely<DB>, now: number): Promise<void> {
  await db.deleteFrom('sso_transactions').where('expires_at', '<', now - 3600_000).execute();
  await db.deleteFrom('used_assertions').where('expires_at', '<', now).execute();
  await db.deleteFrom('sso_tokens').where('expires_at', '<', now - 3600_000).execute();
  await db.deleteFrom('sso_events').where('at', '<', now - SSO_EVENT_RETENTION_MS).execute();
}
