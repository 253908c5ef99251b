import type { CompiledQuery, Kysely } from 'kysely';
import type { IssuedToken, LoginCommit, LoginCommitOutcome, SignInEvent, SsoTransaction, StoredSsoTransaction, StoredTestSignInResult, TokenOwner } from '../../domain/sso/sso-store.js';
import type { DB } from '../schema.js';

export async function insertSsoTransaction(db: Kysely<DB>, t: SsoTransaction): Promise<void> {
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
      test_setup_link_id: t.testSetupLinkId,
      oidc_interaction_uid: t.oidcInteractionUid,
    })
    .execute();
}

export async function findSsoTransaction(db: Kysely<DB>, id: string): Promise<StoredSsoTransaction | undefined> {
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
      testSetupLinkId: row.test_setup_link_id,
      oidcInteractionUid: row.oidc_interaction_uid,
    }
  );
}

/** One write of a login's commit; `refusal` when it must change exactly one row for the login to go on. */
export interface LoginCommitWrite {
  query: CompiledQuery;
  refusal?: Exclude<LoginCommitOutcome, 'COMMITTED'>;
}

/**
 * The writes that complete a login, in this order, for one database transaction: the assertion's
 * unique key first (of two commits of one assertion the second waits on it, then finds it), then
 * the sign-in marked used (once, and only while unexpired), the token, and the success.
 */
export function loginCommitWrites(db: Kysely<DB>, commit: LoginCommit): LoginCommitWrite[] {
  const writes: LoginCommitWrite[] = [
    {
      query: db.insertInto('used_assertions').values({ key: commit.usedAssertion.key, expires_at: commit.usedAssertion.expiresAt }).onConflict((oc) => oc.column('key').doNothing()).compile(),
      refusal: 'REPLAY',
    },
  ];
  if (commit.transactionId !== null) {
    writes.push({
      query: db
        .updateTable('sso_transactions')
        .set({ consumed_at: commit.now })
        .where('id', '=', commit.transactionId)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', commit.now)
        .compile(),
      refusal: 'REQUEST_ALREADY_USED',
    });
  }
  if (commit.token) writes.push({ query: tokenInsert(db, commit.token).compile() });
  if (commit.testResult) writes.push({ query: testResultUpsert(db, commit.testResult).compile() });
  writes.push({ query: signInEventInsert(db, commit.success).compile() });
  return writes;
}

function tokenInsert(db: Kysely<DB>, t: IssuedToken) {
  return db.insertInto('sso_tokens').values({
    token_hash: t.tokenHash,
    account_id: t.accountId,
    application_id: t.applicationId,
    attributes: JSON.stringify(t.attributes),
    created_at: t.createdAt,
    expires_at: t.expiresAt,
    consumed_at: null,
  });
}

function signInEventInsert(db: Kysely<DB>, e: SignInEvent) {
  return db.insertInto('sso_events').values({
    account_id: e.accountId,
    customer_id: e.customerId,
    application_id: e.applicationId,
    at: e.at,
    outcome: e.outcome,
    reason: e.reason,
    assertion_id: e.assertionId,
    request_id: e.requestId,
    detail: e.detail,
  });
}

/**
 * Uses up an unexpired, unused token of this owner and returns its attributes (JSON), in one
 * statement: of two exchanges of one token only one can flip consumed_at, and a token asked for
 * by another owner stays unused.
 */
export async function consumeSsoToken(db: Kysely<DB>, tokenHash: string, owner: TokenOwner, now: number): Promise<string | undefined> {
  const row = await db
    .updateTable('sso_tokens')
    .set({ consumed_at: now })
    .where('token_hash', '=', tokenHash)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .where(owner.kind === 'application' ? 'application_id' : 'account_id', '=', owner.kind === 'application' ? owner.applicationId : owner.accountId)
    .returning('attributes')
    .executeTakeFirst();
  return row?.attributes;
}

/** A link keeps only its latest test result. */
function testResultUpsert(db: Kysely<DB>, r: StoredTestSignInResult) {
  return db
    .insertInto('setup_link_test_results')
    .values({ link_id: r.linkId, at: r.at, result: r.result })
    .onConflict((oc) => oc.column('link_id').doUpdateSet({ at: r.at, result: r.result }));
}

export async function saveTestSignInResult(db: Kysely<DB>, r: StoredTestSignInResult): Promise<void> {
  await testResultUpsert(db, r).execute();
}

export async function findTestSignInResult(db: Kysely<DB>, linkId: string): Promise<StoredTestSignInResult | undefined> {
  const row = await db.selectFrom('setup_link_test_results').selectAll().where('link_id', '=', linkId).executeTakeFirst();
  return row && { linkId: row.link_id, at: row.at, result: row.result };
}

export async function insertSsoEvent(db: Kysely<DB>, e: SignInEvent): Promise<void> {
  await signInEventInsert(db, e).execute();
}

/** Failed sign-ins of one connection to one application since `since` (the partial index of 0021). */
export async function countFailedSignIns(db: Kysely<DB>, customerId: string, applicationId: string, since: number): Promise<number> {
  const row = await db
    .selectFrom('sso_events')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('customer_id', '=', customerId)
    .where('application_id', '=', applicationId)
    .where('at', '>=', since)
    .where('outcome', '=', 'failure')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface SsoEventRecord {
  id: number;
  customerId: string | null;
  applicationId: string | null;
  at: number;
  outcome: 'success' | 'failure' | 'test';
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
  // oidc-provider's codes, tokens, grants, sessions and interactions (src/oidc/oidc-adapter.ts).
  await db.deleteFrom('oidc_payloads').where('expires_at', '<=', now).execute();
}
