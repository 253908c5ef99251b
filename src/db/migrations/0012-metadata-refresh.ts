import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Certificate and metadata lifecycle (issue 9, item 7).
 *
 * `metadata_refresh`: one row per customer, kept by the refresh job (src/domain/connections/
 * metadata-refresh.ts). It records which metadata URL the row is about, when it is next due, and
 * the outcome of the last attempts. Instances claim due rows with one conditional UPDATE
 * (`next_refresh_at <= now`), so two instances never fetch the same URL in one interval.
 * `customer_updated_at` is the customer's `updated_at` when the row was last matched to it: a
 * difference means the customer changed (perhaps its metadata URL) and the row is looked at again.
 *
 * `certificate_expiry_notices`: which expiry notice (30, 7 or 1 days ahead) was sent for which
 * certificate; the primary key makes each notice happen once, also with several instances.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('metadata_refresh')
    .addColumn('customer_id', 'text', (c) => c.primaryKey().references('customers.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('metadata_url', 'text')
    .addColumn('customer_updated_at', 'bigint', (c) => c.notNull())
    .addColumn('next_refresh_at', 'bigint')
    .addColumn('last_attempt_at', 'bigint')
    .addColumn('last_success_at', 'bigint')
    .addColumn('last_error_at', 'bigint')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('metadata_refresh_due').on('metadata_refresh').column('next_refresh_at').execute();

  await db.schema
    .createTable('certificate_expiry_notices')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('sha256_fingerprint', 'text', (c) => c.notNull())
    .addColumn('threshold_days', 'integer', (c) => c.notNull())
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('certificate_expiry_notices_pk', ['subject_id', 'sha256_fingerprint', 'threshold_days'])
    .execute();
}
