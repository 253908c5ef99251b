/**
 * Server side of the metadata refresh benchmark: the real application with N customers configured
 * by metadata URL (bulk-loaded straight into the database with the settings their metadata gives,
 * each connected to two applications), and `POST /bench/refresh`, which makes every URL due and
 * runs the refresh job once (as src/jobs.ts would), answering with its summary and duration.
 * Prints `METADATA_REFRESH_BENCH_READY {json}`; SIGTERM closes it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import type { CertificateInfo } from '../src/saml/certificates.js';
import { benchAccount, bulkLoadCustomers } from './lib/bulk-customers.js';
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
  const { account, apps, credential } = await benchAccount(app);
  // The rows putCustomer and the refresh schedule would hold.
  await bulkLoadCustomers(database.db, { accountId: account.id, saasids: apps.map((a) => a.saasid), count, certificate, metadataUrl: (i) => `${idps}/idp/${i}.xml` });
  const db = database.db;

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
