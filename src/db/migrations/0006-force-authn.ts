import type { Kysely } from 'kysely';

/** Whether a pending sign-in asked the IdP to re-authenticate, so the ACS can check it did. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sso_transactions').addColumn('force_authn', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
