import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

/** Signing keys that still sign or are published (not retired), across accounts: never their private keys. */
export async function listLiveSigningCertificates(db: Kysely<DB>): Promise<{ id: string; accountId: string; certificatePem: string }[]> {
  const rows = await db.selectFrom('signing_keys').select(['id', 'account_id', 'certificate_pem']).where('status', '<>', 'retired').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, accountId: r.account_id, certificatePem: r.certificate_pem }));
}

/** One page of customers across accounts, in id order, with their settings as stored (JSON text). */
export async function listCustomerSettingsPage(db: Kysely<DB>, afterId: string | undefined, limit: number): Promise<{ id: string; accountId: string; idpId: string; settings: string }[]> {
  let query = db.selectFrom('customers').select(['id', 'account_id', 'idp_id', 'settings']);
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map((r) => ({ id: r.id, accountId: r.account_id, idpId: r.idp_id, settings: r.settings }));
}

/** Remembers that a notice was sent; false (writing nothing) when it already had been. */
export async function insertExpiryNotice(db: Kysely<DB>, n: { accountId: string; subjectId: string; sha256Fingerprint: string; thresholdDays: number; sentAt: number }): Promise<boolean> {
  const result = await db
    .insertInto('certificate_expiry_notices')
    .values({ account_id: n.accountId, subject_id: n.subjectId, sha256_fingerprint: n.sha256Fingerprint, threshold_days: n.thresholdDays, sent_at: n.sentAt })
    .onConflict((oc) => oc.columns(['subject_id', 'sha256_fingerprint', 'threshold_days']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}
