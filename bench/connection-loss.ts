/**
 * How soon a server recovers when PostgreSQL drops all of its connections under load: the real
 * server process (`bin/ssobridge.js serve`) on its own database, authenticated API requests from
 * BENCH_LOSS_WORKERS concurrent clients, and BENCH_LOSS_CUTS times `pg_terminate_backend` of
 * every backend whose application_name is the server's. Per cut: time until a request started
 * after the cut succeeds, time until the change feed's LISTEN connection is back, and how the
 * requests in flight were answered. test/db/postgres-connection-loss.test.ts asserts the
 * behaviour; this measures it. Appends a section to docs/benchmarks.md (or $BENCH_OUTPUT).
 *
 *   node --import tsx bench/connection-loss.ts      (also run by `npm run bench`)
 *
 * Knobs: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_LOSS_CUTS
 * (10), BENCH_LOSS_WORKERS (16).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { createServices } from '../src/services.js';
import { silentLogger } from '../test/helpers/databases.js';
import { TEST_KEY_ENCRYPTION_KEY } from '../test/helpers/key-encryption.js';
import { createTestPostgresDatabase, withAdminClient } from '../test/helpers/postgres-databases.js';
import { startServerProcess } from '../test/helpers/server-process.js';
import { curlBasic, operatorActor, SP_MANAGED } from '../test/helpers/test-app.js';
import { appendSection, runBench } from './lib/script.js';

const databaseUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const cuts = Number(process.env.BENCH_LOSS_CUTS || 10);
const workers = Number(process.env.BENCH_LOSS_WORKERS || 16);
const APP_NAME = 'ssobridge-bench-loss';
const GIVE_UP_MS = 30_000;

interface Reply {
  status: number;
  startedAt: number;
  endedAt: number;
}

interface Cut {
  terminated: number;
  requestsMs: number;
  listenMs: number;
  answered503: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (values: number[], q: number) => [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

async function main(): Promise<void> {
  const database = await createTestPostgresDatabase(databaseUrl);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-bench-loss-'));
  const url = new URL(database.url);
  url.searchParams.set('application_name', APP_NAME);
  const server = await startServerProcess({ DATABASE_URL: url.toString(), DATA_DIR: dataDir, LOG_LEVEL: 'fatal' });
  const other = await openDatabase({ url: database.url, dataDir, logger: silentLogger, poolSize: 2 });
  const services = createServices({ config: loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY }), database: other, clock: systemClock, logger: silentLogger });
  const replies: Reply[] = [];
  let running = true;
  let loops: Promise<void>[] = [];
  const results: Cut[] = [];
  let transportFailures = 0;
  let otherErrors = 0;
  try {
    const { account } = await services.accounts.ensureDefaultAccount(operatorActor);
    const created = await services.credentials.createConnectionApiCredential(operatorActor(account.id), { description: 'bench' });
    const authorization = curlBasic(created.credential.clientId, created.clientSecret);
    const request = async () => {
      const startedAt = performance.now();
      try {
        const res = await fetch(`${server.baseUrl}${SP_MANAGED}`, { headers: { authorization } });
        await res.arrayBuffer();
        if (res.status !== 200 && res.status !== 503) otherErrors++;
        replies.push({ status: res.status, startedAt, endedAt: performance.now() });
      } catch {
        transportFailures++;
      }
    };
    loops = Array.from({ length: workers }, async () => {
      while (running) await request();
    });
    const listenBackends = () =>
      withAdminClient(async (admin) => (await admin.query('SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [database.name, `${APP_NAME}-listen`])).rowCount ?? 0, databaseUrl);

    await sleep(2_000);
    for (let i = 0; i < cuts; i++) {
      process.stderr.write(`[bench] connection loss: cut ${i + 1} of ${cuts}\n`);
      const before = replies.length;
      const cutAt = performance.now();
      const terminated = await withAdminClient(
        async (admin) =>
          (await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE $2', [database.name, `${APP_NAME}-%`])).rowCount ?? 0,
        databaseUrl,
      );
      let listenMs = Number.POSITIVE_INFINITY;
      let requestsMs = Number.POSITIVE_INFINITY;
      while (performance.now() - cutAt < GIVE_UP_MS && (!Number.isFinite(listenMs) || !Number.isFinite(requestsMs))) {
        if (!Number.isFinite(listenMs) && (await listenBackends()) > 0) listenMs = performance.now() - cutAt;
        const firstOk = replies.filter((r) => r.startedAt > cutAt && r.status === 200).reduce((m, r) => Math.min(m, r.endedAt), Number.POSITIVE_INFINITY);
        if (Number.isFinite(firstOk)) requestsMs = firstOk - cutAt;
        await sleep(5);
      }
      // Let the requests in flight at the cut finish before counting their answers.
      await sleep(1_500);
      results.push({ terminated, requestsMs, listenMs, answered503: replies.slice(before).filter((r) => r.status === 503).length });
    }
  } finally {
    running = false;
    await Promise.all(loops);
    const alive = server.alive();
    await server.stop();
    await services.close();
    await other.close();
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (!alive) throw new Error(`the server exited during the benchmark:\n${server.output()}`);
  }

  const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : `> ${GIVE_UP_MS / 1000} s`);
  const requests = results.map((r) => r.requestsMs);
  const listen = results.map((r) => r.listenMs);
  const lines = [
    '',
    '## Losing the PostgreSQL connections',
    '',
    `**What**: the real server (\`bin/ssobridge.js serve\`, pool of ${10} connections) under ${workers} concurrent clients listing customers with HTTP Basic,`,
    `while every backend of the server is terminated (\`pg_terminate_backend\` by \`application_name\`), ${cuts} times. **Recovery**: from the cut until a`,
    'request started after it succeeds; **change feed back**: until the `…-listen` connection shows in `pg_stat_activity` again.',
    '**How**: `bench/connection-loss.ts`; the behaviour (process stays up, JSON 503 or success for every request) is asserted by',
    '`test/db/postgres-connection-loss.test.ts`.',
    '',
    `| cuts | backends terminated per cut | recovery p50 ms | recovery max ms | change feed back p50 ms | max ms | requests answered 503 per cut (p50, max) | requests total | other statuses | transport failures |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${cuts} | ${quantile(results.map((r) => r.terminated), 0.5)} | ${ms(quantile(requests, 0.5))} | ${ms(Math.max(...requests))} | ${ms(quantile(listen, 0.5))} | ${ms(Math.max(...listen))} | ${quantile(results.map((r) => r.answered503), 0.5)}, ${Math.max(...results.map((r) => r.answered503))} | ${replies.length} | ${otherErrors} | ${transportFailures} |`,
    '',
    `Load average during the run: ${os.loadavg().map((l) => l.toFixed(1)).join(', ')} on ${os.cpus().length} CPUs.`,
    '',
  ];
  appendSection('connection-loss', lines);
}

runBench(main);
