/**
 * Metrics overhead: the Customer Connection API's req/s with metrics on (METRICS_TOKEN set:
 * every request counted and timed, default Node.js collectors running) against the same server
 * with metrics off, in interleaved rounds (on, off, off, on, …) so that drift hits both alike.
 * The issue allows metrics at most 5 % of the API's req/s. Prints the section; `--append` also
 * appends it to docs/benchmarks.md.
 *
 * Knobs: MB_DIALECTS (sqlite,postgres), MB_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test),
 * MB_ROUNDS (6 per variant), MB_ROUND_SECONDS (5), MB_CONNECTIONS (32).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Database } from '../src/db/database.js';
import { API_PREFIX } from '../src/http/api/api-plugin.js';
import { buildApp, type App } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import type { Actor } from '../src/domain/actor.js';
import { TEST_KEY_ENCRYPTION_KEY } from '../test/helpers/key-encryption.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics/metrics.js';
import { describeMachine, postgresVersion } from './lib/machine.js';
import { cpuSeconds, httpGet, killChildren, stopProcess, track, waitForLine } from './lib/processes.js';
import { appendSection, runBench } from './lib/script.js';
import { combineRuns, requireWrk, runWrk, type WrkResult } from './lib/wrk.js';

const env = process.env;
const dialects = (env.MB_DIALECTS || 'sqlite,postgres').split(',').map((d) => d.trim()).filter(Boolean);
const databaseUrl = env.MB_DATABASE_URL || env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = Number(env.MB_ROUNDS || 6);
const ROUND_SECONDS = Number(env.MB_ROUND_SECONDS || 5);
const CONNECTIONS = Number(env.MB_CONNECTIONS || 32);
const SP_MANAGED = `${API_PREFIX}/spManaged`;
const METRICS_BENCH_TOKEN = randomBytes(24).toString('base64url');
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

interface Ready {
  pid: number;
  port: number;
  clientId: string;
  clientSecret: string;
}
interface Variant {
  key: 'on' | 'off';
  child: ChildProcess;
  ready: Ready;
  parts: WrkResult[];
  cpu: number;
}

async function withSchema<T>(run: (schema: string) => Promise<T>): Promise<T> {
  const schema = `bench_metrics_${randomBytes(6).toString('hex')}`;
  try {
    return await run(schema);
  } finally {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query('SET client_min_messages = warning');
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}

async function startServer(key: 'on' | 'off', dialect: string, dataDir: string, schema: string | undefined): Promise<Variant> {
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', 'bench/metrics-server.ts'], {
      env: { ...process.env, ...(key === 'on' && { MB_METRICS_TOKEN: METRICS_BENCH_TOKEN }), MB_DATA_DIR: path.join(dataDir, key), ...(dialect === 'postgres' && { MB_DATABASE_URL: databaseUrl, MB_SCHEMA: `${schema}_${key}` }) },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  const ready = JSON.parse(await waitForLine(child, 'METRICS_BENCH_READY ', 120_000)) as Ready;
  return { key, child, ready, parts: [], cpu: 0 };
}

const wrk = (variant: Variant, seconds: number) =>
  runWrk({
    url: `http://127.0.0.1:${variant.ready.port}${SP_MANAGED}`,
    connections: CONNECTIONS,
    threads: 2,
    durationSeconds: seconds,
    headers: { authorization: `Basic ${Buffer.from(`${variant.ready.clientId}:${variant.ready.clientSecret}`).toString('base64')}` },
  });

async function measure(dialect: string, schema: string | undefined) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-bench-metrics-'));
  try {
    log(`${dialect}: starting the servers (metrics on, metrics off)`);
    const variants = [await startServer('on', dialect, dataDir, schema), await startServer('off', dialect, dataDir, schema)];
    for (const variant of variants) await wrk(variant, 3); // warm-up: JIT, caches
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
        const before = cpuSeconds(variant.ready.pid);
        const result = await wrk(variant, ROUND_SECONDS);
        variant.cpu += cpuSeconds(variant.ready.pid) - before;
        if (result.statusErrors > 0 || result.socketErrors > 0) throw new Error(`metrics ${variant.key}: ${result.statusErrors} error statuses, ${result.socketErrors} socket errors`);
        variant.parts.push(result);
        log(`${dialect} round ${round + 1}: metrics ${variant.key} ${result.requestsPerSecond.toFixed(0)} req/s`);
      }
    }
    // The server with metrics counted what it served: its own count of the route, read like Prometheus would.
    const on = variants[0]!;
    const scraped = await httpGet(`http://127.0.0.1:${on.ready.port}/metrics`, { authorization: `Bearer ${METRICS_BENCH_TOKEN}` }, 5000);
    const counted = /^ssobridge_http_requests_total\{method="GET",route="\/web-portal\/rest\/saas\/idp\/2\.0\/spManaged",status="200"\} (\d+)$/m.exec(scraped.body);
    for (const variant of variants) await stopProcess(variant.child);
    const results = Object.fromEntries(variants.map((v) => [v.key, { run: combineRuns(v.parts), parts: v.parts, cpu: v.cpu }])) as Record<'on' | 'off', { run: WrkResult; parts: WrkResult[]; cpu: number }>;
    return { ...results, counted: counted ? Number(counted[1]) : undefined };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * What recording one request costs in the server's own code, apart from the machine's noise: the
 * per-request calls (a response counted and timed, its authentication counted) in a loop.
 */
function microsecondsPerRequest(): number {
  const N = 1_000_000;
  const routes = ['/web-portal/rest/saas/idp/2.0/spManaged', '/web-portal/rest/saas/idp/2.0/spManaged/:idpId', '/healthz', '/sso/sp/ACS.saml2'];
  // Nothing here scrapes, so the collectors never read the database.
  const metrics = createMetrics({ database: {} as Database, logger: createLogger('silent') });
  const record = (i: number) => {
    metrics.observeRequest('GET', routes[i & 3], 200, 0.004);
    metrics.apiAuthentication('success');
  };
  for (let i = 0; i < N / 10; i++) record(i); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++) record(i);
  return Number(process.hrtime.bigint() - started) / 1000 / N;
}

/**
 * Server CPU per request without HTTP, wrk or another process in the way: two apps (metrics on,
 * off) over one SQLite database in this process, `GET …/spManaged` injected in alternating
 * batches, CPU time of this process per request; the median batch of each. A second app with
 * metrics off (the control) shows how far two identical apps differ here: the noise floor.
 */
async function injectedCpuPerRequest(): Promise<{ on: number; off: number; control: number; batches: number; perBatch: number }> {
  const BATCHES = 10;
  const PER_BATCH = 3000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-bench-metrics-inject-'));
  const logger = createLogger('warn');
  const database = await openDatabase({ dataDir: dir, logger });
  try {
    const build = (extra: Record<string, string>) =>
      buildApp({ config: loadConfig({ PUBLIC_URL: 'http://127.0.0.1:8080', LOG_LEVEL: 'warn', DATA_DIR: dir, KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY, ...extra }), database, clock: systemClock, logger });
    const apps = { off: await build({}), on: await build({ METRICS_TOKEN: METRICS_BENCH_TOKEN }), control: await build({}) };
    const operator = (accountId: string): Actor => ({ kind: 'operator', id: 'bench', label: 'benchmark', accountId, sourceIp: 'local' });
    const { account } = await apps.off.services.accounts.createAccount(operator, 'Benchmark SaaS');
    const { credential, clientSecret } = await apps.off.services.credentials.createConnectionApiCredential(operator(account.id), { description: 'bench client' });
    const authorization = `Basic ${Buffer.from(`${credential.clientId}:${clientSecret}`).toString('base64')}`;
    await database.changes.start();
    const batch = async (app: App) => {
      const started = process.cpuUsage();
      for (let i = 0; i < PER_BATCH; i++) {
        const res = await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } });
        if (res.statusCode !== 200) throw new Error(`inject: ${res.statusCode} ${res.body}`);
      }
      const used = process.cpuUsage(started);
      return (used.user + used.system) / PER_BATCH;
    };
    const keys = ['on', 'off', 'control'] as const;
    for (const key of keys) await batch(apps[key]); // warm-up: JIT, caches
    const results = { on: [] as number[], off: [] as number[], control: [] as number[] };
    for (let round = 0; round < BATCHES; round++) {
      for (const key of round % 2 === 0 ? keys : [...keys].reverse()) results[key].push(await batch(apps[key]));
    }
    for (const key of keys) await apps[key].close();
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
    return { on: median(results.on), off: median(results.off), control: median(results.control), batches: BATCHES, perBatch: PER_BATCH };
  } finally {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const wrkVersion = requireWrk();
  const loadBefore = os.loadavg();
  const rows: string[] = [];
  const verdicts: string[] = [];
  let postgres: string | undefined;
  try {
    for (const dialect of dialects) {
      if (dialect === 'postgres') postgres = await postgresVersion(databaseUrl);
      const r = dialect === 'postgres' ? await withSchema((schema) => measure(dialect, schema)) : await measure(dialect, undefined);
      const name = dialect === 'postgres' ? 'PostgreSQL' : 'SQLite';
      const cpuPerKRequest = (x: { run: WrkResult; cpu: number }) => ((x.cpu / x.run.requests) * 1e6).toFixed(0);
      const perRound = r.on.parts.map((on, i) => on.requestsPerSecond / r.off.parts[i]!.requestsPerSecond);
      const cost = 1 - r.on.run.requestsPerSecond / r.off.run.requestsPerSecond;
      for (const key of ['off', 'on'] as const) {
        const x = r[key];
        rows.push(`| ${name} | ${key} | ${x.run.requestsPerSecond.toFixed(0)} | ${x.run.p50Ms.toFixed(2)} | ${x.run.p99Ms.toFixed(2)} | ${cpuPerKRequest(x)} | ${x.run.requests.toLocaleString('en-US')} |`);
      }
      verdicts.push(
        `${name}: metrics cost **${(cost * 100).toFixed(1)} %** of req/s (on/off per round: ${perRound.map((p) => p.toFixed(3)).join(', ')}); server CPU per request ${cpuPerKRequest(r.on)} µs on, ${cpuPerKRequest(r.off)} µs off.` +
          ` The on server's own \`ssobridge_http_requests_total\` for the route: ${r.counted?.toLocaleString('en-US') ?? 'not found'} (wrk completed ${r.on.run.requests.toLocaleString('en-US')} measured requests, plus its warm-up).`,
      );
    }
  } finally {
    killChildren();
  }
  const loadAfter = os.loadavg();
  const micro = microsecondsPerRequest();
  log('in-process CPU per injected request, metrics on and off');
  const injected = await injectedCpuPerRequest();
  const machine = describeMachine(wrkVersion, postgres);
  const lines = [
    '',
    '## Metrics overhead',
    '',
    "**What**: the Customer Connection API's `GET …/spManaged` (HTTP Basic, a list of 20 customers) served by two servers of the same build, one with",
    'metrics on (`METRICS_TOKEN` set: every request counted and timed by route and status, API authentications counted, prom-client\'s default',
    'Node.js collectors running) and one with metrics off (neither `METRICS_TOKEN` nor `METRICS_PORT`: nothing collected). Each has its own',
    `database and background jobs, as under \`serve\`. wrk (${CONNECTIONS} connections, 2 threads) runs ${ROUNDS} rounds of ${ROUND_SECONDS} s per server, interleaved`,
    '(on, off, off, on, …) after a 3 s warm-up each; no scrape runs during the rounds. The issue allows metrics at most 5 % of the API\'s req/s.',
    '**How**: `bench/metrics.ts` (servers: `bench/metrics-server.ts`).',
    '',
    `Machine: ${machine.cpus} CPUs (nproc), ${machine.cpuModel}, Node ${machine.node}, ${machine.wrk}${postgres ? `, PostgreSQL ${postgres}` : ''}; server, wrk${postgres ? ' and PostgreSQL' : ''} share the CPUs;`,
    `load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before and ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after (the machine may have run other work too).`,
    '',
    '| database | metrics | req/s | p50 ms | p99 ms | server CPU µs/request | requests |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...verdicts.flatMap((v) => [v, '']),
    'Apart from the machine\'s noise (req/s above moves with whatever else the machine runs):',
    '',
    `- in one process, no HTTP: three apps (metrics on, off, and off again as a control) over one SQLite database, \`GET …/spManaged\` injected in`,
    `  ${injected.batches} alternating batches of ${injected.perBatch.toLocaleString('en-US')} per app, the process's CPU time per request (median batch): **${injected.on.toFixed(1)} µs on, ${injected.off.toFixed(1)} µs off**`,
    `  (${(((injected.on - injected.off) / injected.off) * 100).toFixed(1)} % more with metrics), ${injected.control.toFixed(1)} µs for the control (${(((injected.control - injected.off) / injected.off) * 100).toFixed(1)} % from the identical app: the noise floor here);`,
    `- the calls metrics add to a request (a response counted and timed, its authentication counted), 1,000,000 in a loop: **${micro.toFixed(2)} µs** each.`,
    '',
    ...(loadBefore[0]! > 0.5 ? [`**Not conclusive**: the machine was already busy when the run started (1-minute load average ${loadBefore[0]!.toFixed(2)} on ${machine.cpus} CPUs).`, ''] : []),
  ];
  if (process.argv.includes('--append')) appendSection('metrics overhead', lines);
  else process.stdout.write(`${lines.join('\n')}\n`);
}

runBench(main);
