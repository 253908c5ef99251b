import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * What an account's end users see on our pages (IdP discovery, sign-in errors, hand-offs): a
 * display name, an accent colour and an optional logo. One row per account that has saved its
 * branding; an account without a row shows its own name and the default colour. The logo's bytes
 * are kept here (at most 64 KiB, see src/domain/branding) so that every instance serves it from
 * our own origin; pages name it by its SHA-256, which is indexed for that lookup.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('account_branding')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('accent_color', 'text', (c) => c.notNull())
    .addColumn('logo', dialect === 'postgres' ? 'bytea' : 'blob')
    .addColumn('logo_type', 'text')
    .addColumn('logo_sha256', 'text')
    .addColumn('logo_width', 'integer')
    .addColumn('logo_height', 'integer')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('account_branding_logo_sha256').on('account_branding').column('logo_sha256').execute();
}
