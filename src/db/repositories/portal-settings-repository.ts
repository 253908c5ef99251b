import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

export interface PortalSettingsRecord {
  customerAdminsMayActivate: boolean;
}

/** The account's portal settings; undefined while it keeps the defaults. */
export async function findPortalSettings(db: Kysely<DB>, accountId: string): Promise<PortalSettingsRecord | undefined> {
  const row = await db.selectFrom('account_portal_settings').select('customer_admins_may_activate').where('account_id', '=', accountId).executeTakeFirst();
  return row && { customerAdminsMayActivate: row.customer_admins_may_activate === 1 };
}

export async function savePortalSettings(db: Kysely<DB>, accountId: string, settings: PortalSettingsRecord, now: number): Promise<void> {
  const values = { customer_admins_may_activate: settings.customerAdminsMayActivate ? 1 : 0, updated_at: now };
  await db
    .insertInto('account_portal_settings')
    .values({ account_id: accountId, ...values })
    .onConflict((oc) => oc.column('account_id').doUpdateSet(values))
    .execute();
}
