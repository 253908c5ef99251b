import type { Kysely } from 'kysely';

/** The account's default IdP: where IdP discovery sends users whose email domain matches no customer. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('accounts')
    .addColumn('default_customer_id', 'text', (c) => c.references('customers.id').onDelete('set null'))
    .execute();
}
