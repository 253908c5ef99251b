import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Administrators (docs/administrators.md): invitations by one-time link (only the SHA-256 of the
 * link's secret is kept), a TOTP second factor per admin (its secret sealed under the
 * key-encryption key, and the last time step accepted, so a code is never accepted twice),
 * recovery codes (SHA-256 digests, each used once), and the account's "require MFA" setting.
 * A session that has passed the password but not yet the second factor is marked
 * `second_factor_pending`: it opens only the code page.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('admin_invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    /** The inviting admin's id and email, as they were (the admin may be removed later). */
    .addColumn('invited_by_id', 'text', (c) => c.notNull())
    .addColumn('invited_by_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('accepted_at', 'bigint')
    .execute();
  await db.schema.createIndex('admin_invitations_account').on('admin_invitations').columns(['account_id', 'created_at']).execute();
  await db.schema
    .createTable('admin_totp')
    .addColumn('admin_id', 'text', (c) => c.primaryKey().references('admins.id').onDelete('cascade'))
    /** Sealed (src/domain/keys/secret-sealer.ts) with the context `admin_totp:<admin id>`. */
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    /** Null while the enrolment waits for its first code. */
    .addColumn('confirmed_at', 'bigint')
    /** The latest 30-second step whose code was accepted: a code of that step or an earlier one is refused. */
    .addColumn('last_used_step', 'bigint')
    .execute();
  await db.schema
    .createTable('admin_recovery_codes')
    .addColumn('admin_id', 'text', (c) => c.notNull().references('admins.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('admin_recovery_codes_pk', ['admin_id', 'code_hash'])
    .execute();
  // One row per account that has changed an administrator setting; without one, the defaults apply.
  await db.schema
    .createTable('account_admin_settings')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('require_mfa', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('admin_sessions').addColumn('second_factor_pending', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
