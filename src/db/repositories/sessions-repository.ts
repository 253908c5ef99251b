import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

export interface SessionRecord {
  id: string;
  adminId: string;
  accountId: string;
  createdAt: number;
  expiresAt: number;
  sourceIp: string;
  /** The password was given, the second factor not yet: the session opens only the code page. */
  secondFactorPending?: boolean;
}

export interface SessionWithAdmin extends SessionRecord {
  adminEmail: string;
  secondFactorPending: boolean;
  /** Whether the admin has a confirmed second factor. */
  mfaEnrolled: boolean;
  /** Whether the account requires a second factor of every admin. */
  accountRequiresMfa: boolean;
}

export async function insertSession(db: Kysely<DB>, s: SessionRecord): Promise<void> {
  await db
    .insertInto('admin_sessions')
    .values({
      id: s.id,
      admin_id: s.adminId,
      account_id: s.accountId,
      created_at: s.createdAt,
      expires_at: s.expiresAt,
      source_ip: s.sourceIp,
      second_factor_pending: s.secondFactorPending ? 1 : 0,
    })
    .execute();
}

export async function findLiveSession(db: Kysely<DB>, id: string, now: number): Promise<SessionWithAdmin | undefined> {
  const row = await db
    .selectFrom('admin_sessions')
    .innerJoin('admins', 'admins.id', 'admin_sessions.admin_id')
    .leftJoin('admin_totp', (join) => join.onRef('admin_totp.admin_id', '=', 'admin_sessions.admin_id').on('admin_totp.confirmed_at', 'is not', null))
    .leftJoin('account_admin_settings', 'account_admin_settings.account_id', 'admin_sessions.account_id')
    .select([
      'admin_sessions.id',
      'admin_sessions.admin_id',
      'admin_sessions.account_id',
      'admin_sessions.created_at',
      'admin_sessions.expires_at',
      'admin_sessions.source_ip',
      'admins.email',
      'admin_sessions.second_factor_pending',
      'admin_totp.confirmed_at as mfa_confirmed_at',
      'account_admin_settings.require_mfa',
    ])
    .where('admin_sessions.id', '=', id)
    .where('admin_sessions.expires_at', '>', now)
    .executeTakeFirst();
  return (
    row && {
      id: row.id,
      adminId: row.admin_id,
      accountId: row.account_id,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      sourceIp: row.source_ip,
      adminEmail: row.email,
      secondFactorPending: row.second_factor_pending === 1,
      mfaEnrolled: row.mfa_confirmed_at !== null,
      accountRequiresMfa: row.require_mfa === 1,
    }
  );
}

export async function deleteSession(db: Kysely<DB>, id: string): Promise<void> {
  await db.deleteFrom('admin_sessions').where('id', '=', id).execute();
}

export async function deleteExpiredSessions(db: Kysely<DB>, now: number): Promise<void> {
  await db.deleteFrom('admin_sessions').where('expires_at', '<=', now).execute();
}
