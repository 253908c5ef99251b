/**
 * Server side of the Customer Connection API benchmark: the real application, with N customers
 * (each connected to two applications) bulk-loaded straight into the database, plus one
 * authenticated route that does nothing (the "empty route" the targets compare against).
 * Prints `CONNECTIONS_BENCH_READY {json}`; SIGTERM closes it.
 */
import { createBackgroundJobs } from '../src/jobs.js';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { parseCertificate } from '../src/saml/certificates.js';
import { generateSigningKeyPair } from '../src/saml/signing-key-pair.js';
import { benchAccount, bulkLoadCustomers } from './lib/bulk-customers.js';
import { runBench } from './lib/script.js';

async function main(): Promise<void> {
  const port = Number(process.env.CB_PORT);
  const count = Number(process.env.CB_CUSTOMERS);
  const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  const logger = createLogger('warn');
  const database = await openDatabase({ url: process.env.CB_DATABASE_URL || undefined, schema: process.env.CB_SCHEMA || undefined, dataDir: process.env.CB_DATA_DIR!, logger });
  const app = await buildApp({ config, database, clock: systemClock, logger });
  const { account, apps, credential } = await benchAccount(app);
  const certificate = parseCertificate((await generateSigningKeyPair('idp.bench', Date.now())).certificatePem);
  await bulkLoadCustomers(database.db, { accountId: account.id, saasids: apps.map((a) => a.saasid), count, certificate });

  // The empty route: the same Basic authentication as the API, then nothing.
  app.get('/bench/authenticated-empty', async (request) => {
    await app.services.clientAuthenticator.authenticate({ authorization: request.headers.authorization, sourceIp: request.ip, accept: ['global', 'connection_api'] });
    return {};
  });
  await app.listen({ port, host: '127.0.0.1' });
  // As `serve` does: the change feed lets caches trust what they hold; database.close() stops it.
  await createBackgroundJobs({ services: app.services, changes: database.changes, logger }).start();
  process.stdout.write(`CONNECTIONS_BENCH_READY ${JSON.stringify({ pid: process.pid, clientId: credential.credential.clientId, clientSecret: credential.clientSecret, saasid: apps[0]!.saasid })}\n`);
  process.once('SIGTERM', () => {
    void app.close().then(() => database.close()).then(() => process.exit(0));
  });
}

runBench(main);
