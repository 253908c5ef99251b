/**
 * What the API-at-scale benchmarks (connections-server.ts, metadata-refresh-server.ts) start
 * from: one account with two REST apps and a Connection API credential, and many customers of
 * two app connections each, bulk-loaded.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type Kysely } from 'kysely';
import type { App } from '../../src/app.js';
import type { AppConnectionsTable, CustomersTable, DB, MetadataRefreshTable } from '../../src/db/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import type { CertificateInfo } from '../../src/saml/certificates.js';

const BATCH = 500;

/** The account, its two apps ("One", "Two") and a Connection API credential. */
export async function benchAccount(app: App) {
  const operator = (accountId: string): Actor => ({ kind: 'operator', id: 'bench', label: 'bench', accountId, sourceIp: 'local' });
  const { account } = await app.services.accounts.createAccount(operator, 'Bench');
  const actor = operator(account.id);
  const apps = await Promise.all(
    ['One', 'Two'].map((name) =>
      app.services.applications.createApplication(actor, { kind: 'rest', name, defaultAppUrl: `https://${name}.example/`, errorUrl: `https://${name}.example/e`, hostname: `${name.toLowerCase()}.example` }),
    ),
  );
  const credential = await app.services.credentials.createConnectionApiCredential(actor, {});
  return { account, actor, apps, credential };
}

/**
 * `customer1.example` … `customer{count}.example`, each connected to every app: the rows
 * putCustomer writes, without its per-customer checks (they are tested elsewhere). With
 * `metadataUrl`, each customer is configured by that URL and is on the refresh schedule, as
 * putCustomer and the refresh job would leave it. Ends with fresh planner statistics, as a
 * running database would have.
 */
export async function bulkLoadCustomers(
  db: Kysely<DB>,
  load: { accountId: string; saasids: readonly string[]; count: number; certificate: CertificateInfo; metadataUrl?: (i: number) => string },
): Promise<void> {
  const now = Date.now();
  for (let start = 1; start <= load.count; start += BATCH) {
    const customers: Insertable<CustomersTable>[] = [];
    const connections: Insertable<AppConnectionsTable>[] = [];
    const schedule: Insertable<MetadataRefreshTable>[] = [];
    for (let i = start; i < Math.min(start + BATCH, load.count + 1); i++) {
      const id = randomUUID();
      const metadataUrl = load.metadataUrl?.(i) ?? null;
      customers.push({
        id,
        account_id: load.accountId,
        idp_id: `customer${i}.example`,
        entity_id: `https://idp.customer${i}.example/saml`,
        enabled: 1,
        settings: JSON.stringify({ ssoUrl: `https://idp.customer${i}.example/sso`, ssoBinding: 'redirect', certificates: [load.certificate], slo: null, contactEmail: null, metadataUrl, emailDomains: [] }),
        created_at: now,
        updated_at: now,
      });
      for (const saasid of load.saasids) connections.push({ customer_id: id, application_id: saasid, account_id: load.accountId, multiplexed: 1, created_at: now });
      if (metadataUrl !== null) schedule.push({ customer_id: id, account_id: load.accountId, metadata_url: metadataUrl, customer_updated_at: now, next_refresh_at: now + 12 * 3600_000 });
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('customers').values(customers).execute();
      await trx.insertInto('app_connections').values(connections).execute();
      if (schedule.length > 0) await trx.insertInto('metadata_refresh').values(schedule).execute();
    });
  }
  await sql`ANALYZE`.execute(db);
}
