import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * OIDC applications (docs/oidc.md):
 * - `oidc_client_secrets`: up to two secrets per OIDC app, so one can be rotated without
 *   downtime. Secrets are always generated (256 random bits), so a SHA-256 digest is enough to
 *   make a stolen database useless; `slot` (1 or 2) is unique per application, which holds the
 *   limit of two even when two "Add Secret" requests race.
 * - `oidc_payloads`: node-oidc-provider's storage (its adapter interface): codes, tokens, grants,
 *   sessions and interactions as JSON, on the database every instance shares, so a code issued
 *   by one instance is redeemed on another.
 * - `sso_transactions.oidc_interaction_uid`: an SP-initiated sign-in started for an OIDC
 *   authorization request returns to that request's interaction.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('oidc_client_secrets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('application_id', 'text', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('slot', 'integer', (c) => c.notNull().check(sql`slot in (1, 2)`))
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('secret_hint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addUniqueConstraint('oidc_client_secrets_application_slot', ['application_id', 'slot'])
    .execute();

  await db.schema
    .createTable('oidc_payloads')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('uid', 'text')
    .addColumn('user_code', 'text')
    .addColumn('consumed_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .addPrimaryKeyConstraint('oidc_payloads_pk', ['model', 'id'])
    .execute();
  await db.schema.createIndex('oidc_payloads_grant_id').on('oidc_payloads').column('grant_id').execute();
  await db.schema.createIndex('oidc_payloads_uid').on('oidc_payloads').column('uid').execute();
  await db.schema.createIndex('oidc_payloads_expires_at').on('oidc_payloads').column('expires_at').execute();

  await db.schema.alterTable('sso_transactions').addColumn('oidc_interaction_uid', 'text').execute();
}
