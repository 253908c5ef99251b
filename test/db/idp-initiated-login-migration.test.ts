import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrationsFor } from '../../src/db/migrations/index.js';
import { findCustomerByIdpId } from '../../src/db/repositories/customers-repository.js';
import type { DB } from '../../src/db/schema.js';

/** IdP settings as the customer service stored them before the upgrade. */
const storedSettings = JSON.stringify({
  ssoUrl: 'https://idp.customer001.com/sso',
  ssoBinding: 'redirect',
  certificates: [],
  slo: null,
  contactEmail: null,
  metadataUrl: null,
  emailDomains: [],
});

describe('migration 0007-idp-initiated-login', () => {
  it('keeps IdP-initiated sign-in allowed for customers that existed before the upgrade', async () => {
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
    try {
      const migrations = migrationsFor('sqlite');
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      expect((await migrator.migrateTo('0006-force-authn')).error).toBeUndefined();
      await db.insertInto('accounts').values({ id: 'a1', name: 'Acme', created_at: 1 }).execute();
      await db
        .insertInto('customers')
        .values({ id: 'c1', account_id: 'a1', idp_id: 'customer001.com', entity_id: 'https://idp.customer001.com/saml', settings: storedSettings, created_at: 1, updated_at: 1 })
        .execute();

      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await findCustomerByIdpId(db, 'a1', 'customer001.com')).toMatchObject({ idpId: 'customer001.com', idpInitiatedLogin: true });
    } finally {
      await db.destroy();
    }
  });
});
