import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

export interface SessionRecord {
  id: string;
  adminId: string;
  accountId: string;
  createdAt: number;
  expiresAt: number;
  sourceIp: string;
}

export interface SessionWithAdmin extends SessionRecord {
  adminEmail: string;
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
    })
    .execute();
}

export async function findLiveSession(db: Kysely<DB>, id: string, now: number): Promise<SessionWithAdmin | undefined> {
  const row = await db
    .selectFrom('admin_sessions')
    .innerJoin('admins', 'admins.id', 'admin_sessions.admin_id')
    .select([
      'admin_sessions.id',
      'admin_sessions.admin_id',
      'admin_sessions.account_id',
      'admin_sessions.created_at',
      'admin_sessions.expires_at',
      'admin_sessions.source_ip',
      'admins.email',
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
    }
  );
}

export async function deleteSession(db: Kysely<DB>, id: string): Promise<void> {
  await db.deleteFrom('admin_sessions').where('id', '=', id).execute();
}

export async function deleteExpiredSessions(db: Kysely<DB>, now: number): Promise<void> {
  await db.deleteFrom('admin_sessions').where('expires_at', '<=', now).execute();
}
