import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Setup links: a time-limited URL the provider sends to one customer's IT admin, who then
 * configures that customer's IdP in the self-service portal. Only the SHA-256 of the link's
 * secret is kept (a stolen database yields no live link). A link names its customer by idpId:
 * a link for a new idpId exists before the customer does, which the portal creates (not enabled)
 * when the IdP is first saved. `completed_at` is set by Activate: after it the link only shows.
 * `contact_email` is the invited IT admin's address (Customer Email Invitation), the customer's
 * contact email once it exists; `activation_requested_at` is set by the portal's "Request
 * activation" when the account keeps approval for itself (account_portal_settings).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('customer_setup_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('idp_id', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    /** JSON list of saasids, or null for "the customer's applications as they are". */
    .addColumn('applications', 'text')
    .addColumn('return_url', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('used_at', 'bigint')
    .addColumn('last_used_from', 'text')
    .addColumn('completed_at', 'bigint')
    .addColumn('contact_email', 'text')
    .addColumn('activation_requested_at', 'bigint')
    .execute();
  await db.schema.createIndex('customer_setup_links_customer').on('customer_setup_links').columns(['account_id', 'idp_id', 'created_at']).execute();
  // One row per account that has changed a portal setting; without one, the defaults apply.
  await db.schema
    .createTable('account_portal_settings')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('customer_admins_may_activate', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
