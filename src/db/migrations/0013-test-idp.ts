import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * The built-in test IdP (docs/test-idp.md): one row per account that has used it. It holds the
 * IdP's own signing key (never the account's SP keys, so it can sign for nothing else), the test
 * users' shared password (shown to the account's admins, so kept as it is), the idpId of the
 * customer connection it backs, the test users' configured attributes (JSON) and the account's
 * "test IdP off" setting.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('test_idps')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('idp_id', 'text', (c) => c.notNull())
    .addColumn('password', 'text', (c) => c.notNull())
    .addColumn('private_key_pem', 'text', (c) => c.notNull())
    .addColumn('certificate_pem', 'text', (c) => c.notNull())
    .addColumn('user_attributes', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('turned_off', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
