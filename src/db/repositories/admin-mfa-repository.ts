import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

export interface AdminTotpRecord {
  adminId: string;
  secretSealed: string;
  createdAt: number;
  confirmedAt: number | null;
  lastUsedStep: number | null;
}

export async function findAdminTotp(db: Kysely<DB>, adminId: string): Promise<AdminTotpRecord | undefined> {
  const row = await db.selectFrom('admin_totp').selectAll().where('admin_id', '=', adminId).executeTakeFirst();
  return (
    row && { adminId: row.admin_id, secretSealed: row.secret_sealed, createdAt: row.created_at, confirmedAt: row.confirmed_at, lastUsedStep: row.last_used_step }
  );
}

/** Starts (or restarts) an enrolment: an unconfirmed secret replaces any unconfirmed one. */
export async function savePendingAdminTotp(db: Kysely<DB>, adminId: string, secretSealed: string, now: number): Promise<void> {
  await db.deleteFrom('admin_totp').where('admin_id', '=', adminId).where('confirmed_at', 'is', null).execute();
  await db.insertInto('admin_totp').values({ admin_id: adminId, secret_sealed: secretSealed, created_at: now, confirmed_at: null, last_used_step: null }).execute();
}

/**
 * Records that the code of `step` was accepted, only if no code of this step or a later one was
 * accepted before: one conditional update, so two requests racing with the same code cannot both
 * pass. `confirm` also confirms a pending enrolment.
 */
export async function claimTotpStep(db: Kysely<DB>, adminId: string, step: number, now: number, confirm: boolean): Promise<boolean> {
  const result = await db
    .updateTable('admin_totp')
    .set(confirm ? { last_used_step: step, confirmed_at: now } : { last_used_step: step })
    .where('admin_id', '=', adminId)
    .where('confirmed_at', confirm ? 'is' : 'is not', null)
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteAdminSecondFactor(db: Kysely<DB>, adminId: string): Promise<boolean> {
  const result = await db.deleteFrom('admin_totp').where('admin_id', '=', adminId).executeTakeFirst();
  await db.deleteFrom('admin_recovery_codes').where('admin_id', '=', adminId).execute();
  return Number(result.numDeletedRows) === 1;
}

/** Replaces every recovery code of the admin. */
export async function replaceRecoveryCodes(db: Kysely<DB>, adminId: string, codeHashes: readonly string[], now: number): Promise<void> {
  await db.deleteFrom('admin_recovery_codes').where('admin_id', '=', adminId).execute();
  await db
    .insertInto('admin_recovery_codes')
    .values(codeHashes.map((h) => ({ admin_id: adminId, code_hash: h, created_at: now, used_at: null })))
    .execute();
}

/** Uses a recovery code once: false when it does not exist or was used (also by a racing request). */
export async function useRecoveryCode(db: Kysely<DB>, adminId: string, codeHash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('admin_recovery_codes')
    .set({ used_at: now })
    .where('admin_id', '=', adminId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function countUnusedRecoveryCodes(db: Kysely<DB>, adminId: string): Promise<number> {
  const row = await db
    .selectFrom('admin_recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('admin_id', '=', adminId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findRequireMfa(db: Kysely<DB>, accountId: string): Promise<boolean> {
  const row = await db.selectFrom('account_admin_settings').select('require_mfa').where('account_id', '=', accountId).executeTakeFirst();
  return row?.require_mfa === 1;
}

export async function saveRequireMfa(db: Kysely<DB>, accountId: string, requireMfa: boolean, now: number): Promise<void> {
  await db
    .insertInto('account_admin_settings')
    .values({ account_id: accountId, require_mfa: requireMfa ? 1 : 0, updated_at: now })
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ require_mfa: requireMfa ? 1 : 0, updated_at: now }))
    .execute();
}
