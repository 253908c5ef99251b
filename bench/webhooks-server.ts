/**
 * Server side of the webhook benchmark (bench/webhooks.ts): the real application (SQLite, or
 * PostgreSQL with WH_DATABASE_URL) with one account, one customer, a Connection API credential
 * and one webhook endpoint pointing at the benchmark's receiver, plus:
 * - `POST /bench/record {count, perSecond, customers}`: records `count` events, each in its own
 *   transaction as a change would (the outbox queues one delivery each), at `perSecond` (0 = as
 *   fast as possible); answers with each event's id and the time its transaction committed.
 * - `POST /bench/worker/start` and `/stop`: the delivery job, as src/jobs.ts runs it (drain what is
 *   due, then wait JOB_INTERVALS_MS.deliverWebhooks).
 * Prints `WEBHOOKS_BENCH_READY {json}`; SIGTERM closes it.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { JOB_INTERVALS_MS } from '../src/jobs.js';
import { createLogger } from '../src/logger.js';
import { generateSigningKeyPair } from '../src/saml/signing-key-pair.js';
import { benchAccount } from './lib/bulk-customers.js';
import { runBench } from './lib/script.js';

async function main(): Promise<void> {
  const port = Number(process.env.WH_PORT);
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_CA_FILE: process.env.WH_CA_FILE!,
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ...(process.env.WH_DATABASE_URL && { DATABASE_URL: process.env.WH_DATABASE_URL }),
  });
  const logger = createLogger('error');
  const database = await openDatabase({ url: config.databaseUrl, dataDir: process.env.WH_DATA_DIR!, logger });
  const app = await buildApp({ config, database, clock: systemClock, logger });
  const { account, actor, apps, credential } = await benchAccount(app);
  const idp = await generateSigningKeyPair('idp.customer1.example', Date.now());
  await app.services.customers.putCustomer(actor, 'customer1.example', {
    entityId: 'https://idp.customer1.example/saml',
    ssoUrl: 'https://idp.customer1.example/sso',
    certificates: [idp.certificatePem],
    applications: apps.map((a) => a.saasid),
  });
  const endpoint = await app.services.webhooks.createEndpoint(actor, { url: process.env.WH_RECEIVER_URL! });

  let running = false;
  let loop: Promise<void> | undefined;
  app.post('/bench/worker/start', async () => {
    running = true;
    loop = (async () => {
      while (running) if ((await app.services.webhooks.deliverDue()) === 0) await sleep(JOB_INTERVALS_MS.deliverWebhooks);
    })();
    return {};
  });
  app.post('/bench/worker/stop', async () => {
    running = false;
    await loop;
    return {};
  });
  app.post<{ Body: { count: number; perSecond: number; customers: number; run: string } }>('/bench/record', async (request) => {
    const { count, perSecond, customers, run } = request.body;
    const committed: { id: string; at: number }[] = [];
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      if (perSecond > 0) {
        const due = started + (i * 1000) / perSecond;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
      }
      const idpId = `customer${1 + (i % customers)}.example`;
      const event = await database.db
        .transaction()
        .execute((trx) => app.services.events.record(trx, { accountId: account.id, type: 'connection.updated', idpId, data: { idpId, run, n: i } }));
      committed.push({ id: event.id, at: Date.now() });
    }
    return { committed, seconds: (performance.now() - started) / 1000 };
  });
  await app.listen({ port, host: '127.0.0.1' });
  await database.changes.start();
  process.stdout.write(
    `WEBHOOKS_BENCH_READY ${JSON.stringify({ clientId: credential.credential.clientId, clientSecret: credential.clientSecret, secret: endpoint.secret, dialect: database.dialect })}\n`,
  );
  process.once('SIGTERM', () => {
    running = false;
    void Promise.resolve(loop)
      .then(() => app.close())
      .then(() => database.close())
      .then(() => process.exit(0));
  });
}

runBench(main);
