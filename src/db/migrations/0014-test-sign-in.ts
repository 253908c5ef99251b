import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Test sign-ins from the self-service portal: an SP-initiated sign-in marked with the setup link
 * that started it (its response is validated like any other, then stored as that link's result
 * instead of being delivered), and the latest result per link, which the portal shows.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('sso_transactions').addColumn('test_setup_link_id', 'text').execute();
  await db.schema
    .createTable('setup_link_test_results')
    .addColumn('link_id', 'text', (c) => c.primaryKey().references('customer_setup_links.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    /** JSON of TestSignInResult (src/domain/sso/test-sign-in.ts): the NameID and attribute values the admin tested with. */
    .addColumn('result', 'text', (c) => c.notNull())
    .execute();
}
