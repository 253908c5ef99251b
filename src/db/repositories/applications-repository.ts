import type { Kysely, Selectable } from 'kysely';
import type { ApplicationKind, ApplicationsTable, DB } from '../schema.js';

export interface ApplicationRecord {
  id: string;
  accountId: string;
  name: string;
  kind: ApplicationKind;
  enabled: boolean;
  multiplexed: boolean;
  spEntityId: string | null;
  settings: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

function toRecord(row: Selectable<ApplicationsTable>): ApplicationRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    kind: row.kind,
    enabled: row.enabled === 1,
    multiplexed: row.multiplexed === 1,
    spEntityId: row.sp_entity_id,
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRow(a: ApplicationRecord): Selectable<ApplicationsTable> {
  return {
    id: a.id,
    account_id: a.accountId,
    name: a.name,
    kind: a.kind,
    enabled: a.enabled ? 1 : 0,
    multiplexed: a.multiplexed ? 1 : 0,
    sp_entity_id: a.spEntityId,
    settings: JSON.stringify(a.settings),
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}

export async function insertApplication(db: Kysely<DB>, a: ApplicationRecord): Promise<void> {
  await db.insertInto('applications').values(toRow(a)).execute();
}

export async function replaceApplication(db: Kysely<DB>, a: ApplicationRecord): Promise<void> {
  const { id, account_id, created_at, ...rest } = toRow(a);
  await db.updateTable('applications').set(rest).where('account_id', '=', account_id).where('id', '=', id).execute();
}

/**
 * Locks the application's row until the transaction ends (a no-op update: a row lock on
 * PostgreSQL; SQLite serializes writers anyway). False when there is no such application.
 */
export async function lockApplication(trx: Kysely<DB>, accountId: string, id: string): Promise<boolean> {
  const result = await trx.updateTable('applications').set((eb) => ({ name: eb.ref('name') })).where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function findApplication(db: Kysely<DB>, accountId: string, id: string): Promise<ApplicationRecord | undefined> {
  const row = await db.selectFrom('applications').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return row && toRecord(row);
}

export async function findApplicationBySpEntityId(db: Kysely<DB>, accountId: string, spEntityId: string): Promise<ApplicationRecord | undefined> {
  const row = await db
    .selectFrom('applications')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('sp_entity_id', '=', spEntityId)
    .executeTakeFirst();
  return row && toRecord(row);
}

export async function listApplications(db: Kysely<DB>, accountId: string): Promise<ApplicationRecord[]> {
  const rows = await db.selectFrom('applications').selectAll().where('account_id', '=', accountId).orderBy('name').orderBy('id').execute();
  return rows.map(toRecord);
}

export async function listApplicationsByIds(db: Kysely<DB>, accountId: string, ids: string[]): Promise<ApplicationRecord[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('applications').selectAll().where('account_id', '=', accountId).where('id', 'in', ids).execute();
  return rows.map(toRecord);
}

export async function deleteApplication(db: Kysely<DB>, accountId: string, id: string): Promise<void> {
  await db.deleteFrom('applications').where('account_id', '=', accountId).where('id', '=', id).execute();
}

/** The SSO runtime knows only the saasid (a UUID, unique across accounts). */
export async function findApplicationBySaasid(db: Kysely<DB>, id: string): Promise<ApplicationRecord | undefined> {
  const row = await db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRecord(row);
}
