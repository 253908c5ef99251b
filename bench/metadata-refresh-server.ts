/**
 * Server side of the metadata refresh benchmark: the real application with N customers configured
 * by metadata URL (bulk-loaded straight into the database with the settings their metadata gives,
 * each connected to two applications), and `POST /bench/refresh`, which makes every URL due and
 * runs the refresh job once (as src/jobs.ts would), answering with its summary and duration.
 * Prints `METADATA_REFRESH_BENCH_READY {json}`; SIGTERM closes it.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql, type Insertable } from 'kysely';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import type { AppConnectionsTable, CustomersTable, MetadataRefreshTable } from '../src/db/schema.js';
import type { Actor } from '../src/domain/actor.js';
import { createLogger } from '../src/logger.js';
import type { CertificateInfo } from '../src/saml/certificates.js';
import { runBench } from './lib/script.js';

async function main(): Promise<void> {
  const port = Number(process.env.MR_PORT);
  const count = Number(process.env.MR_CUSTOMERS);
  const idps = `https://127.0.0.1:${process.env.MR_IDPS_PORT}`;
  const certificate = JSON.parse(process.env.MR_CERTIFICATE!) as CertificateInfo;
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    METADATA_FETCH_ALLOW_PRIVATE: 'true',
    METADATA_FETCH_CA_FILE: process.env.MR_CA_FILE!,
    METADATA_REFRESH_CONCURRENCY: process.env.MR_CONCURRENCY ?? '8',
    METADATA_REFRESH_PER_SECOND: process.env.MR_PER_SECOND ?? '20',
  });
  const logger = createLogger('error');
  const database = await openDatabase({ dataDir: process.env.MR_DATA_DIR!, logger });
  const app = await buildApp({ config, database, clock: systemClock, logger });
  const { account } = await app.services.accounts.createAccount((accountId): Actor => ({ kind: 'operator', id: 'bench', label: 'bench', accountId, sourceIp: 'local' }), 'Bench');
  const actor: Actor = { kind: 'operator', id: 'bench', label: 'bench', accountId: account.id, sourceIp: 'local' };
  const apps = await Promise.all(
    ['One', 'Two'].map((name) =>
      app.services.applications.createApplication(actor, { kind: 'rest', name, defaultAppUrl: `https://${name}.example/`, errorUrl: `https://${name}.example/e`, hostname: `${name.toLowerCase()}.example` }),
    ),
  );
  const credential = await app.services.credentials.createConnectionApiCredential(actor, {});

  // Bulk load: the rows putCustomer and the refresh schedule would hold, without per-customer checks.
  const now = Date.now();
  const db = database.db;
  for (let start = 1; start <= count; start += 500) {
    const customers: Insertable<CustomersTable>[] = [];
    const connections: Insertable<AppConnectionsTable>[] = [];
    const schedule: Insertable<MetadataRefreshTable>[] = [];
    for (let i = start; i < Math.min(start + 500, count + 1); i++) {
      const id = randomUUID();
      const metadataUrl = `${idps}/idp/${i}.xml`;
      customers.push({
        id,
        account_id: account.id,
        idp_id: `customer${i}.example`,
        entity_id: `https://idp.customer${i}.example/saml`,
        enabled: 1,
        settings: JSON.stringify({ ssoUrl: `https://idp.customer${i}.example/sso`, ssoBinding: 'redirect', certificates: [certificate], slo: null, contactEmail: null, metadataUrl, emailDomains: [] }),
        created_at: now,
        updated_at: now,
      });
      for (const a of apps) connections.push({ customer_id: id, application_id: a.saasid, account_id: account.id, multiplexed: 1, created_at: now });
      schedule.push({ customer_id: id, account_id: account.id, metadata_url: metadataUrl, customer_updated_at: now, next_refresh_at: now + 12 * 3600_000 });
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('customers').values(customers).execute();
      await trx.insertInto('app_connections').values(connections).execute();
      await trx.insertInto('metadata_refresh').values(schedule).execute();
    });
  }
  await sql`ANALYZE`.execute(db);

  app.post('/bench/refresh', async () => {
    await db.updateTable('metadata_refresh').set({ next_refresh_at: Date.now() }).execute();
    // How long this process's event loop was held up while the refresh ran (own work, GC, or the OS not scheduling it).
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const started = performance.now();
    const run = await app.services.metadataRefresh.runDue();
    delay.disable();
    return { ...run, seconds: (performance.now() - started) / 1000, loopDelayP99Ms: delay.percentile(99) / 1e6, loopDelayMaxMs: delay.max / 1e6 };
  });
  await app.listen({ port, host: '127.0.0.1' });
  // The change feed only (caches trust what they hold while it runs); the refresh runs by the route above.
  await database.changes.start();
  process.stdout.write(`METADATA_REFRESH_BENCH_READY ${JSON.stringify({ clientId: credential.credential.clientId, clientSecret: credential.clientSecret })}\n`);
  process.once('SIGTERM', () => {
    void app.close().then(() => database.close()).then(() => process.exit(0));
  });
}

runBench(main);
