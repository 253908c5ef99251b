/**
 * Server side of the metrics overhead benchmark (bench/metrics.ts): the real application over
 * its own database (SQLite folder MB_DATA_DIR, or PostgreSQL MB_DATABASE_URL + MB_SCHEMA) with 20
 * customers and a Connection API credential, its background jobs running as under `serve`;
 * metrics on (METRICS_TOKEN set, so every request is counted and timed) when MB_METRICS_TOKEN
 * is set, off otherwise. Prints `METRICS_BENCH_READY {json}`; SIGTERM (or the end of stdin) closes it.
 */
import { createBackgroundJobs } from '../src/jobs.js';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import type { Actor } from '../src/domain/actor.js';
import { createLogger } from '../src/logger.js';
import { generateSigningKeyPair } from '../src/saml/signing-key-pair.js';
import { TEST_KEY_ENCRYPTION_KEY } from '../test/helpers/key-encryption.js';
import { runBench } from './lib/script.js';

async function main(): Promise<void> {
  const url = process.env.MB_DATABASE_URL;
  // The token bench/metrics.ts scrapes with; set only for the server with metrics on.
  const token = process.env.MB_METRICS_TOKEN;
  const metrics = token !== undefined;
  const config = loadConfig({
    PUBLIC_URL: 'http://127.0.0.1:8080',
    LOG_LEVEL: 'warn',
    DATA_DIR: process.env.MB_DATA_DIR!,
    KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY,
    ...(url && { DATABASE_URL: url }),
    ...(token !== undefined && { METRICS_TOKEN: token }),
  });
  const logger = createLogger(config.logLevel);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize, ...(process.env.MB_SCHEMA && { schema: process.env.MB_SCHEMA }), logger });
  const app = await buildApp({ config, database, clock: systemClock, logger });
  const { services } = app;
  const operator = (accountId: string): Actor => ({ kind: 'operator', id: 'bench', label: 'benchmark', accountId, sourceIp: 'local' });
  const { account } = await services.accounts.createAccount(operator, 'Benchmark SaaS');
  const { credential, clientSecret } = await services.credentials.createConnectionApiCredential(operator(account.id), { description: 'bench client' });
  const { certificatePem } = await generateSigningKeyPair('bench-idp.example.com', systemClock.now());
  for (let i = 0; i < 20; i++) {
    const idpId = `customer${String(i).padStart(3, '0')}.example.com`;
    await services.customers.putCustomer(operator(account.id), idpId, { entityId: `https://${idpId}/saml`, ssoUrl: `https://${idpId}/sso`, certificates: [certificatePem], emailDomains: [idpId] });
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const jobs = createBackgroundJobs({ services, changes: database.changes, logger });
  await jobs.start();
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`METRICS_BENCH_READY ${JSON.stringify({ pid: process.pid, port: address.port, clientId: credential.clientId, clientSecret, metrics })}\n`);

  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    void jobs
      .stop()
      .then(() => app.close())
      .then(() => database.close())
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.stdin.on('end', shutdown);
  process.stdin.resume();
}

runBench(main);
