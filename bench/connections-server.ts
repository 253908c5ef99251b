/**
 * Server side of the Customer Connection API benchmark: the real application, with N customers
 * (each connected to two applications) bulk-loaded straight into the database, plus one
 * authenticated route that does nothing (the "empty route" the targets compare against).
 * Prints `CONNECTIONS_BENCH_READY {json}`; SIGTERM closes it.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Insertable } from 'kysely';
import type { AppConnectionsTable, CustomersTable } from '../src/db/schema.js';
import { createBackgroundJobs } from '../src/jobs.js';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import type { Actor } from '../src/domain/actor.js';
import { createLogger } from '../src/logger.js';
import { parseCertificate } from '../src/saml/certificates.js';
import { generateSigningKeyPair } from '../src/saml/signing-key-pair.js';
import { runBench } from './lib/script.js';

async function main(): Promise<void> {
  const port = Number(process.env.CB_PORT);
  const count = Number(process.env.CB_CUSTOMERS);
  const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  const logger = createLogger('warn');
  const database = await openDatabase({ url: process.env.CB_DATABASE_URL || undefined, schema: process.env.CB_SCHEMA || undefined, dataDir: process.env.CB_DATA_DIR!, logger });
  const app = await buildApp({ config, database, clock: systemClock, logger });
  const { account } = await app.services.accounts.createAccount((accountId): Actor => ({ kind: 'operator', id: 'bench', label: 'bench', accountId, sourceIp: 'local' }), 'Bench');
  const actor: Actor = { kind: 'operator', id: 'bench', label: 'bench', accountId: account.id, sourceIp: 'local' };
  const apps = await Promise.all(
    ['One', 'Two'].map((name) =>
      app.services.applications.createApplication(actor, { kind: 'rest', name, defaultAppUrl: `https://${name}.example/`, errorUrl: `https://${name}.example/e`, hostname: `${name.toLowerCase()}.example` }),
    ),
  );
  const credential = await app.services.credentials.createConnectionApiCredential(actor, {});
  const certificate = parseCertificate((await generateSigningKeyPair('idp.bench', Date.now())).certificatePem);

  // Bulk load: the same rows putCustomer writes, without its per-customer checks (they are tested elsewhere).
  const now = Date.now();
  const db = database.db;
  const batch = 500;
  for (let start = 1; start <= count; start += batch) {
    const customers: Insertable<CustomersTable>[] = [];
    const connections: Insertable<AppConnectionsTable>[] = [];
    for (let i = start; i < Math.min(start + batch, count + 1); i++) {
      const id = randomUUID();
      customers.push({
        id,
        account_id: account.id,
        idp_id: `customer${i}.example`,
        entity_id: `https://idp.customer${i}.example/saml`,
        enabled: 1,
        settings: JSON.stringify({ ssoUrl: `https://idp.customer${i}.example/sso`, ssoBinding: 'redirect', certificates: [certificate], slo: null, contactEmail: null, metadataUrl: null, emailDomains: [] }),
        created_at: now,
        updated_at: now,
      });
      for (const a of apps) connections.push({ customer_id: id, application_id: a.saasid, account_id: account.id, multiplexed: 1, created_at: now });
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('customers').values(customers).execute();
      await trx.insertInto('app_connections').values(connections).execute();
    });
  }

  // Fresh statistics, as a running database would have: the planner needs them for 100k rows.
  await sql`ANALYZE`.execute(db);

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
