import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

export interface CustomerRecord {
  id: string;
  accountId: string;
  idpId: string;
  createdAt: number;
  updatedAt: number;
}

/** A page of one account's customers ordered by idpId; `afterIdpId` is the cursor. */
export async function listCustomers(
  db: Kysely<DB>,
  accountId: string,
  page: { afterIdpId?: string | undefined; limit: number },
): Promise<CustomerRecord[]> {
  let query = db.selectFrom('customers').selectAll().where('account_id', '=', accountId);
  if (page.afterIdpId !== undefined) query = query.where('idp_id', '>', page.afterIdpId);
  const rows = await query.orderBy('idp_id').limit(page.limit).execute();
  return rows.map((r) => ({ id: r.id, accountId: r.account_id, idpId: r.idp_id, createdAt: r.created_at, updatedAt: r.updated_at }));
}
