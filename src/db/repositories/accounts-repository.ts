import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

export interface AccountRecord {
  id: string;
  name: string;
  createdAt: number;
}

export async function insertAccount(db: Kysely<DB>, a: AccountRecord): Promise<void> {
  await db.insertInto('accounts').values({ id: a.id, name: a.name, created_at: a.createdAt }).execute();
}

export async function findAccount(db: Kysely<DB>, id: string): Promise<AccountRecord | undefined> {
  const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, name: row.name, createdAt: row.created_at };
}

export async function listAccounts(db: Kysely<DB>): Promise<AccountRecord[]> {
  const rows = await db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map((row) => ({ id: row.id, name: row.name, createdAt: row.created_at }));
}

/**
 * Serializes writers of one account until the transaction ends: a no-op write takes PostgreSQL's
 * row lock and SQLite's write lock alike, so count-then-insert rules hold under races.
 * Returns false when the account does not exist.
 */
export async function lockAccount(trx: Kysely<DB>, id: string): Promise<boolean> {
  const result = await trx.updateTable('accounts').set((eb) => ({ name: eb.ref('name') })).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function findDefaultCustomerId(db: Kysely<DB>, accountId: string): Promise<string | null> {
  const row = await db.selectFrom('accounts').select('default_customer_id').where('id', '=', accountId).executeTakeFirst();
  return row?.default_customer_id ?? null;
}

export async function setDefaultCustomerId(db: Kysely<DB>, accountId: string, customerId: string | null): Promise<void> {
  await db.updateTable('accounts').set({ default_customer_id: customerId }).where('id', '=', accountId).execute();
}
