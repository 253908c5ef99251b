import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Applications, customer IdP settings, app connections, email domains, and the SAML signing keys. */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('applications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('multiplexed', 'integer', (c) => c.notNull())
    // SAML apps only; NULL for REST apps (NULLs never collide in the unique constraint).
    .addColumn('sp_entity_id', 'text')
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('applications_account_sp_entity', ['account_id', 'sp_entity_id'])
    .execute();
  await db.schema.createIndex('applications_account_name').on('applications').columns(['account_id', 'name']).execute();

  await db.schema.alterTable('credentials').addColumn('application_id', 'text', (c) => c.references('applications.id').onDelete('cascade')).execute();

  // IdP settings shared by every app connection of one idpId.
  await db.schema.alterTable('customers').addColumn('entity_id', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('customers').addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('customers').addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}')).execute();

  await db.schema
    .createTable('app_connections')
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('application_id', 'text', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('multiplexed', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_connections_pk', ['customer_id', 'application_id'])
    .execute();
  await db.schema.createIndex('app_connections_application').on('app_connections').columns(['application_id', 'customer_id']).execute();

  // One email domain leads to one IdP per account (IdP discovery).
  await db.schema
    .createTable('customer_email_domains')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('customer_email_domains_pk', ['account_id', 'domain'])
    .execute();
  await db.schema.createIndex('customer_email_domains_customer').on('customer_email_domains').column('customer_id').execute();

  // One row per console form submitted, so a reload that re-posts a form does nothing twice.
  await db.schema
    .createTable('form_submissions')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    // 'active' signs; 'next' is published in metadata ahead of promotion; 'retired' is kept for the record.
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('private_key_pem', 'text', (c) => c.notNull())
    .addColumn('certificate_pem', 'text', (c) => c.notNull())
    .addColumn('not_after', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('promoted_at', 'bigint')
    .execute();
  await db.schema.createIndex('signing_keys_account').on('signing_keys').columns(['account_id', 'status']).execute();
}
