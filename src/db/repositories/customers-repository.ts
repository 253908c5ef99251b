import { sql, type Kysely, type Selectable } from 'kysely';
import { idpSettingsSchema, type IdpSettings } from '../../domain/model.js';
import { AppError } from '../../errors.js';
import type { ApplicationKind, CustomersTable, DB } from '../schema.js';

export interface CustomerRecord {
  id: string;
  accountId: string;
  idpId: string;
  entityId: string;
  enabled: boolean;
  /** Accepts IdP-initiated logins (responses that answer no request of ours). */
  idpInitiatedLogin: boolean;
  /** The IdP settings (JSON in the row, parsed when read). */
  settings: IdpSettings;
  createdAt: number;
  updatedAt: number;
}

export interface AppConnectionRecord {
  customerId: string;
  applicationId: string;
  multiplexed: boolean;
  createdAt: number;
}

/** A customer as lists show it: its columns without the IdP settings (neither read nor parsed). */
export type CustomerListRecord = Omit<CustomerRecord, 'settings'>;

const LIST_COLUMNS = ['id', 'account_id', 'idp_id', 'entity_id', 'enabled', 'idp_initiated_login', 'created_at', 'updated_at'] as const;

function toListRecord(row: Omit<Selectable<CustomersTable>, 'settings'>): CustomerListRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    idpId: row.idp_id,
    entityId: row.entity_id,
    enabled: row.enabled === 1,
    idpInitiatedLogin: row.idp_initiated_login === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRecord(row: Selectable<CustomersTable>): CustomerRecord {
  return { ...toListRecord(row), settings: parseStoredSettings(row) };
}

/**
 * The row's settings column, checked against the domain's schema. A row that does not parse (a
 * hand edit, a bad restore) is an internal error whose log-only detail names the customer and
 * the field; the person sees only that something went wrong on our side.
 */
function parseStoredSettings(row: Selectable<CustomersTable>): IdpSettings {
  let json: unknown;
  try {
    json = JSON.parse(row.settings);
  } catch {
    throw storedSettingsError(row, 'settings: not valid JSON');
  }
  const parsed = idpSettingsSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw storedSettingsError(row, `${['settings', ...(issue?.path ?? []).map(String)].join('.')}: ${issue?.message ?? 'invalid'}`);
}

function storedSettingsError(row: Selectable<CustomersTable>, problem: string): AppError {
  return new AppError('INTERNAL_ERROR', 'Something went wrong on our side. The request ID in the response headers identifies it.', {
    detail: `The stored IdP settings of customer "${row.idp_id}" (id ${row.id}, account ${row.account_id}) do not parse: ${problem}`,
  });
}

export async function findCustomerByIdpId(db: Kysely<DB>, accountId: string, idpId: string): Promise<CustomerRecord | undefined> {
  const row = await db.selectFrom('customers').selectAll().where('account_id', '=', accountId).where('idp_id', '=', idpId).executeTakeFirst();
  return row && toRecord(row);
}

/** Inserts the customer unless its (account, idpId) is taken; says whether it did. */
export async function insertCustomer(db: Kysely<DB>, c: CustomerRecord): Promise<boolean> {
  const result = await db
    .insertInto('customers')
    .values({
      id: c.id,
      account_id: c.accountId,
      idp_id: c.idpId,
      entity_id: c.entityId,
      enabled: c.enabled ? 1 : 0,
      idp_initiated_login: c.idpInitiatedLogin ? 1 : 0,
      settings: JSON.stringify(c.settings),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
    })
    .onConflict((oc) => oc.columns(['account_id', 'idp_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function updateCustomer(db: Kysely<DB>, c: CustomerRecord): Promise<void> {
  await db
    .updateTable('customers')
    .set({ entity_id: c.entityId, enabled: c.enabled ? 1 : 0, idp_initiated_login: c.idpInitiatedLogin ? 1 : 0, settings: JSON.stringify(c.settings), updated_at: c.updatedAt })
    .where('account_id', '=', c.accountId)
    .where('id', '=', c.id)
    .execute();
}

/** False when there was no such row (a racing delete came first). */
export async function deleteCustomer(db: Kysely<DB>, accountId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('customers').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface CustomerFilter {
  afterIdpId?: string | undefined;
  limit: number;
  saasid?: string | undefined;
  enabled?: boolean | undefined;
  /** Case-insensitive substring of the idpId or entity ID. */
  search?: string | undefined;
}

/** A page of one account's customers ordered by idpId; `afterIdpId` is the cursor (keyset, not offset). */
export async function listCustomers(db: Kysely<DB>, accountId: string, filter: CustomerFilter): Promise<CustomerListRecord[]> {
  let query = db.selectFrom('customers').select(LIST_COLUMNS.map((c) => `customers.${c}` as const)).where('customers.account_id', '=', accountId);
  if (filter.afterIdpId !== undefined) query = query.where('customers.idp_id', '>', filter.afterIdpId);
  if (filter.enabled !== undefined) query = query.where('customers.enabled', '=', filter.enabled ? 1 : 0);
  if (filter.saasid !== undefined) {
    const saasid = filter.saasid;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('app_connections')
          .select('app_connections.customer_id')
          .whereRef('app_connections.customer_id', '=', 'customers.id')
          .where('app_connections.application_id', '=', saasid),
      ),
    );
  }
  if (filter.search) {
    const pattern = `%${filter.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    // ESCAPE makes % and _ typed by the user literal, on SQLite and PostgreSQL alike.
    query = query.where(sql<boolean>`(lower(customers.idp_id) like ${pattern} escape '\\' or lower(customers.entity_id) like ${pattern} escape '\\')`);
  }
  const rows = await query.orderBy('customers.idp_id').limit(filter.limit).execute();
  return rows.map(toListRecord);
}

export async function listAppConnections(db: Kysely<DB>, customerIds: string[]): Promise<AppConnectionRecord[]> {
  if (customerIds.length === 0) return [];
  const rows = await db.selectFrom('app_connections').selectAll().where('customer_id', 'in', customerIds).orderBy('created_at').orderBy('application_id').execute();
  return rows.map((r) => ({ customerId: r.customer_id, applicationId: r.application_id, multiplexed: r.multiplexed === 1, createdAt: r.created_at }));
}

export async function listAppConnectionsWithApplications(
  db: Kysely<DB>,
  customerId: string,
): Promise<(AppConnectionRecord & { name: string; kind: ApplicationKind })[]> {
  const rows = await db
    .selectFrom('app_connections')
    .innerJoin('applications', 'applications.id', 'app_connections.application_id')
    .select(['app_connections.customer_id', 'app_connections.application_id', 'app_connections.multiplexed', 'app_connections.created_at', 'applications.name', 'applications.kind'])
    .where('app_connections.customer_id', '=', customerId)
    .orderBy('app_connections.created_at')
    .orderBy('app_connections.application_id')
    .execute();
  return rows.map((r) => ({ customerId: r.customer_id, applicationId: r.application_id, multiplexed: r.multiplexed === 1, createdAt: r.created_at, name: r.name, kind: r.kind }));
}

export async function insertAppConnection(db: Kysely<DB>, accountId: string, c: AppConnectionRecord): Promise<void> {
  await db
    .insertInto('app_connections')
    .values({ customer_id: c.customerId, application_id: c.applicationId, account_id: accountId, multiplexed: c.multiplexed ? 1 : 0, created_at: c.createdAt })
    .execute();
}

export async function setAppConnectionMultiplexed(db: Kysely<DB>, customerId: string, applicationId: string, multiplexed: boolean): Promise<void> {
  await db
    .updateTable('app_connections')
    .set({ multiplexed: multiplexed ? 1 : 0 })
    .where('customer_id', '=', customerId)
    .where('application_id', '=', applicationId)
    .execute();
}

export async function deleteAppConnection(db: Kysely<DB>, customerId: string, applicationId: string): Promise<boolean> {
  const result = await db.deleteFrom('app_connections').where('customer_id', '=', customerId).where('application_id', '=', applicationId).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function countNonMultiplexedConnections(db: Kysely<DB>, applicationId: string): Promise<number> {
  const row = await db
    .selectFrom('app_connections')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('application_id', '=', applicationId)
    .where('multiplexed', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Which other customer, if any, already routes each of these domains. */
export async function findDomainOwners(db: Kysely<DB>, accountId: string, domains: string[]): Promise<{ domain: string; customerId: string }[]> {
  if (domains.length === 0) return [];
  const rows = await db.selectFrom('customer_email_domains').select(['domain', 'customer_id']).where('account_id', '=', accountId).where('domain', 'in', domains).execute();
  return rows.map((r) => ({ domain: r.domain, customerId: r.customer_id }));
}

export async function replaceEmailDomains(db: Kysely<DB>, accountId: string, customerId: string, domains: string[]): Promise<void> {
  await db.deleteFrom('customer_email_domains').where('customer_id', '=', customerId).execute();
  if (domains.length > 0) {
    await db.insertInto('customer_email_domains').values(domains.map((domain) => ({ account_id: accountId, domain, customer_id: customerId }))).execute();
  }
}

export async function findCustomerIdpIdsByIds(db: Kysely<DB>, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('customers').select(['id', 'idp_id']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.idp_id]));
}

export async function findCustomerById(db: Kysely<DB>, accountId: string, id: string): Promise<CustomerRecord | undefined> {
  const row = await db.selectFrom('customers').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return row && toRecord(row);
}

export async function findAppConnection(db: Kysely<DB>, customerId: string, applicationId: string): Promise<AppConnectionRecord | undefined> {
  const row = await db.selectFrom('app_connections').selectAll().where('customer_id', '=', customerId).where('application_id', '=', applicationId).executeTakeFirst();
  return row && { customerId: row.customer_id, applicationId: row.application_id, multiplexed: row.multiplexed === 1, createdAt: row.created_at };
}

export async function findCustomerByEmailDomain(db: Kysely<DB>, accountId: string, domain: string): Promise<CustomerRecord | undefined> {
  const row = await db
    .selectFrom('customer_email_domains')
    .innerJoin('customers', 'customers.id', 'customer_email_domains.customer_id')
    .selectAll('customers')
    .where('customer_email_domains.account_id', '=', accountId)
    .where('customer_email_domains.domain', '=', domain)
    .executeTakeFirst();
  return row && toRecord(row);
}

/** The customers connected to one application, by idpId (at most `limit`). */
export async function listCustomersConnectedTo(db: Kysely<DB>, accountId: string, applicationId: string, limit: number): Promise<CustomerRecord[]> {
  const rows = await db
    .selectFrom('customers')
    .innerJoin('app_connections', 'app_connections.customer_id', 'customers.id')
    .selectAll('customers')
    .where('customers.account_id', '=', accountId)
    .where('app_connections.application_id', '=', applicationId)
    .orderBy('customers.idp_id')
    .limit(limit)
    .execute();
  return rows.map(toRecord);
}

export async function findCustomerByEntityId(db: Kysely<DB>, accountId: string, entityId: string): Promise<CustomerRecord | undefined> {
  const row = await db.selectFrom('customers').selectAll().where('account_id', '=', accountId).where('entity_id', '=', entityId).executeTakeFirst();
  return row && toRecord(row);
}
