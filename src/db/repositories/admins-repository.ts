import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

export interface AdminRecord {
  id: string;
  accountId: string;
  email: string;
  passwordHash: string;
  createdAt: number;
  lastSignInAt: number | null;
}

export async function insertAdmin(db: Kysely<DB>, a: AdminRecord): Promise<void> {
  await db
    .insertInto('admins')
    .values({
      id: a.id,
      account_id: a.accountId,
      email: a.email,
      password_hash: a.passwordHash,
      created_at: a.createdAt,
      last_sign_in_at: a.lastSignInAt,
    })
    .execute();
}

export async function findAdminByEmail(db: Kysely<DB>, email: string): Promise<AdminRecord | undefined> {
  const row = await db.selectFrom('admins').selectAll().where('email', '=', email).executeTakeFirst();
  return (
    row && {
      id: row.id,
      accountId: row.account_id,
      email: row.email,
      passwordHash: row.password_hash,
      createdAt: row.created_at,
      lastSignInAt: row.last_sign_in_at,
    }
  );
}

export async function countAdmins(db: Kysely<DB>, accountId: string): Promise<number> {
  const row = await db
    .selectFrom('admins')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function recordAdminSignIn(db: Kysely<DB>, id: string, at: number): Promise<void> {
  await db.updateTable('admins').set({ last_sign_in_at: at }).where('id', '=', id).execute();
}

export async function findAdminById(db: Kysely<DB>, id: string): Promise<AdminRecord | undefined> {
  const row = await db.selectFrom('admins').selectAll().where('id', '=', id).executeTakeFirst();
  return (
    row && {
      id: row.id,
      accountId: row.account_id,
      email: row.email,
      passwordHash: row.password_hash,
      createdAt: row.created_at,
      lastSignInAt: row.last_sign_in_at,
    }
  );
}

/** An admin as Account › Administrators lists them: no password hash. */
export interface AdminListing {
  id: string;
  email: string;
  createdAt: number;
  lastSignInAt: number | null;
  mfaEnrolled: boolean;
}

export async function listAdmins(db: Kysely<DB>, accountId: string): Promise<AdminListing[]> {
  const rows = await db
    .selectFrom('admins')
    .leftJoin('admin_totp', (join) => join.onRef('admin_totp.admin_id', '=', 'admins.id').on('admin_totp.confirmed_at', 'is not', null))
    .select(['admins.id', 'admins.email', 'admins.created_at', 'admins.last_sign_in_at', 'admin_totp.confirmed_at'])
    .where('admins.account_id', '=', accountId)
    .orderBy('admins.created_at')
    .orderBy('admins.email')
    .execute();
  return rows.map((r) => ({ id: r.id, email: r.email, createdAt: r.created_at, lastSignInAt: r.last_sign_in_at, mfaEnrolled: r.confirmed_at !== null }));
}

/** Removes the admin; their sessions, second factor and recovery codes go with them (foreign keys). */
export async function deleteAdmin(db: Kysely<DB>, id: string): Promise<void> {
  await db.deleteFrom('admins').where('id', '=', id).execute();
}
