import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { autoIncrementId } from './column-types.js';

/** SSO state shared by every instance: pending requests, used assertion IDs, tokens, and the SSO log. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('sso_transactions')
    // The AuthnRequest ID; also sent as RelayState.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('application_id', 'text', (c) => c.notNull())
    .addColumn('app_url', 'text')
    .addColumn('error_url', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute();
  await db.schema.createIndex('sso_transactions_expires').on('sso_transactions').column('expires_at').execute();

  await db.schema
    .createTable('used_assertions')
    // SHA-256 of issuer and assertion ID: each assertion is accepted once, whichever instance sees it.
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('used_assertions_expires').on('used_assertions').column('expires_at').execute();

  await db.schema
    .createTable('sso_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('application_id', 'text', (c) => c.notNull())
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute();
  await db.schema.createIndex('sso_tokens_expires').on('sso_tokens').column('expires_at').execute();

  await db.schema
    .createTable('sso_events')
    .addColumn('id', autoIncrementId(dialect), (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('application_id', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('assertion_id', 'text')
    .addColumn('request_id', 'text', (c) => c.notNull())
    .execute();
  // The IdP entity ID identifies the customer to apps and routes IdP-initiated logins, so it is
  // unique in an account (rows made before 0002 filled it in have '' and are left out).
  await db.schema
    .createIndex('customers_account_entity_id')
    .on('customers')
    .columns(['account_id', 'entity_id'])
    .unique()
    .where(sql.ref('entity_id'), '<>', '')
    .execute();

  await db.schema.createIndex('sso_events_customer').on('sso_events').columns(['account_id', 'customer_id', 'id']).execute();
}
