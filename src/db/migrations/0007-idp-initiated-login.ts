import type { Kysely } from 'kysely';

/**
 * Whether a customer connection accepts IdP-initiated logins (unsolicited responses). On for
 * every existing customer, as PingOne defaults it, so upgrading changes no one's sign-in.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('customers').addColumn('idp_initiated_login', 'integer', (c) => c.notNull().defaultTo(1)).execute();
}
