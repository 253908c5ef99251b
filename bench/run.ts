/**
 * `npm run bench`: authentication overhead, a flood of bad secrets, start-up time and memory.
 * Prints a summary and writes docs/benchmarks.md. See docs/benchmarks.md for what each figure means.
 *
 * Knobs (environment): BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
 * BENCH_DIALECTS (sqlite,postgres), BENCH_DURATION (8 s per measured run), BENCH_WARMUP (2 s),
 * BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_ROUNDS (4: each measured run is split into this
 * many interleaved rounds, ABC then CBA, so that drift and other load hit every variant alike),
 * BENCH_QUIET_WAIT (30: seconds to wait at most for other load on the machine to drop below 0.3
 * cores), BENCH_CUSTOMERS (20), BENCH_OUTPUT (docs/benchmarks.md; "-" to only print),
 * BENCH_RENDER_ONLY=1 (no measurement: re-render the last run's saved results, e.g. after editing
 * bench/notes.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Dialect } from '../src/db/database.js';
import { API_PREFIX } from '../src/http/api/api-plugin.js';
import type { BenchServerReady } from './bench-server.js';
import { bundleCli } from './lib/bundle.js';
import { createBenchCredential } from './lib/credentials.js';
import { describeMachine, postgresVersion } from './lib/machine.js';
import {
  cpuSeconds,
  httpGet,
  killChildren,
  machineBusySeconds,
  postgresSeconds,
  readMemory,
  selfAndReapedChildrenSeconds,
  startServing,
  stopProcess,
  track,
  waitForLine,
} from './lib/processes.js';
import { addCpu, renderReport, type AuthRun, type BenchResults, type CpuSeconds, type FloodRun, type StartupResult } from './lib/report.js';
import { combineRuns, FLOOD_SCRIPT, requireWrk, runWrk, type WrkOptions, type WrkResult } from './lib/wrk.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const settings = {
  databaseUrl: env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  dialects: (env.BENCH_DIALECTS || 'sqlite,postgres').split(',').map((d) => d.trim()).filter(Boolean) as Dialect[],
  duration: Number(env.BENCH_DURATION || 8),
  warmup: Number(env.BENCH_WARMUP || 2),
  connections: Number(env.BENCH_CONNECTIONS || 32),
  threads: Number(env.BENCH_THREADS || 2),
  rounds: Math.max(1, Number(env.BENCH_ROUNDS || 4)),
  quietWaitSeconds: Number(env.BENCH_QUIET_WAIT ?? 30),
  customers: Number(env.BENCH_CUSTOMERS || 20),
  output: env.BENCH_OUTPUT || path.join(root, 'docs', 'benchmarks.md'),
};
const SP_MANAGED = `${API_PREFIX}/spManaged`;
/** The flood's client address (TEST-NET-3), sent as X-Forwarded-For; the valid client stays 127.0.0.1. */
const FLOOD_ADDRESS = '203.0.113.66';
const UNAUTHENTICATED = '/bench/unauthenticated/spManaged';

/** PostgreSQL schemas made by this run and not dropped yet (dropped on abort too). */
const liveSchemas = new Set<string>();
async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: settings.databaseUrl });
  await client.connect();
  try {
    await client.query('SET client_min_messages = warning');
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    liveSchemas.delete(schema);
  } finally {
    await client.end();
  }
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const basic = (clientId: string, secret: string) => `Basic ${Buffer.from(`${clientId}:${secret}`, 'utf8').toString('base64')}`;

/** Where the CPU went while `run` ran: the server, PostgreSQL, wrk (and this script), everything else. */
async function withCpu<T>(pid: number, run: () => Promise<T>): Promise<{ value: T; cpu: CpuSeconds }> {
  const before = { wall: performance.now(), machine: machineBusySeconds(), server: cpuSeconds(pid), postgres: postgresSeconds(), self: selfAndReapedChildrenSeconds() };
  const value = await run();
  const server = cpuSeconds(pid) - before.server;
  const postgres = postgresSeconds() - before.postgres;
  const loadGenerator = selfAndReapedChildrenSeconds() - before.self;
  const machine = machineBusySeconds() - before.machine;
  return {
    value,
    cpu: { wallSeconds: (performance.now() - before.wall) / 1000, server, postgres, loadGenerator, other: Math.max(0, machine - server - postgres - loadGenerator) },
  };
}

const warmUp = (options: WrkOptions) => (settings.warmup > 0 ? runWrk({ ...options, durationSeconds: settings.warmup }) : Promise.resolve(undefined));

/**
 * Measures several variants in interleaved rounds (ABC, CBA, ABC, …), each round lasting
 * duration / rounds, so that a slow patch of the machine does not land on one variant only.
 */
async function interleave<K extends string, R>(pid: number, variants: { key: K; run: (seconds: number) => Promise<R> }[]): Promise<Map<K, { parts: R[]; cpu: CpuSeconds }>> {
  const seconds = Math.max(1, Math.round(settings.duration / settings.rounds));
  const results = new Map<K, { parts: R[]; cpu: CpuSeconds }>();
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const { value, cpu } = await withCpu(pid, () => variant.run(seconds));
      const entry = results.get(variant.key) ?? { parts: [], cpu: { wallSeconds: 0, server: 0, postgres: 0, loadGenerator: 0, other: 0 } };
      entry.parts.push(value);
      entry.cpu = addCpu(entry.cpu, cpu);
      results.set(variant.key, entry);
    }
  }
  return results;
}

function expectOk(label: string, result: WrkResult): void {
  if (result.statusErrors > 0 || result.socketErrors > 0 || result.requests === 0) {
    throw new Error(`${label}: ${result.statusErrors} error statuses, ${result.socketErrors} socket errors in ${result.requests} requests`);
  }
}

async function startBenchServer(dialect: Dialect, location: { dataDir: string; schema?: string }): Promise<{ child: ChildProcess; ready: BenchServerReady }> {
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'bench-server.ts')], {
      cwd: root,
      env: {
        ...process.env,
        BENCH_DIALECT: dialect,
        BENCH_DATA_DIR: location.dataDir,
        BENCH_CUSTOMERS: String(settings.customers),
        ...(dialect === 'postgres' && { BENCH_DATABASE_URL: settings.databaseUrl, BENCH_SCHEMA: location.schema }),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  const ready = JSON.parse(await waitForLine(child, 'BENCH_READY ', 30_000)) as BenchServerReady;
  return { child, ready };
}

async function benchDialect(dialect: Dialect): Promise<{ auth: AuthRun[]; flood: FloodRun }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-bench-'));
  const schema = dialect === 'postgres' ? `bench_${randomBytes(6).toString('hex')}` : undefined;
  if (schema) liveSchemas.add(schema);
  let server: ChildProcess | undefined;
  try {
    log(`${dialect}: starting the bench server`);
    const started = await startBenchServer(dialect, { dataDir, ...(schema && { schema }) });
    server = started.child;
    const { ready } = started;
    const authorization = basic(ready.clientId, ready.clientSecret);
    const appUrl = `http://127.0.0.1:${ready.appPort}`;
    const probeUrl = `http://127.0.0.1:${ready.probePort}`;

    // Sanity: both routes answer the same page; authentication is really enforced.
    const unauthenticated = await httpGet(`${probeUrl}${UNAUTHENTICATED}`);
    const authenticated = await httpGet(`${appUrl}${SP_MANAGED}`, { authorization });
    const refused = await httpGet(`${appUrl}${SP_MANAGED}`);
    if (unauthenticated.status !== 200 || authenticated.status !== 200 || refused.status !== 401) {
      throw new Error(`sanity check failed: unauthenticated ${unauthenticated.status}, authenticated ${authenticated.status}, no credential ${refused.status}`);
    }
    if (unauthenticated.body !== authenticated.body) throw new Error('the unauthenticated and authenticated routes answer different pages');
    const shown = (JSON.parse(authenticated.body) as { customers: unknown[] }).customers.length;

    const base = { connections: settings.connections, threads: settings.threads };
    const targets: { key: AuthRun['route']; options: WrkOptions }[] = [
      { key: 'probe-unauthenticated', options: { ...base, durationSeconds: settings.duration, url: `${probeUrl}${UNAUTHENTICATED}` } },
      { key: 'probe-authenticated', options: { ...base, durationSeconds: settings.duration, url: `${probeUrl}${SP_MANAGED}`, headers: { Authorization: authorization } } },
      { key: 'app-authenticated', options: { ...base, durationSeconds: settings.duration, url: `${appUrl}${SP_MANAGED}`, headers: { Authorization: authorization } } },
    ];
    log(`${dialect}: warm-up, ${settings.warmup} s per route`);
    for (const target of targets) await warmUp(target.options);
    log(`${dialect}: authentication overhead, ${settings.rounds} interleaved rounds × 3 routes × ${Math.round(settings.duration / settings.rounds)} s (-c${settings.connections} -t${settings.threads})`);
    const measured = await interleave(
      ready.pid,
      targets.map((t) => ({ key: t.key, run: (seconds: number) => runWrk({ ...t.options, durationSeconds: seconds }) })),
    );
    const auth: AuthRun[] = targets.map((t) => {
      const entry = measured.get(t.key);
      if (!entry) throw new Error(`no result for ${t.key}`);
      const result = combineRuns(entry.parts);
      expectOk(`${dialect} ${t.key}`, result);
      return { dialect, route: t.key, result, cpu: entry.cpu, customersPerPage: shown };
    });

    // Flood: the valid client alone, and the same while a second wrk sends wrong secrets for its
    // client ID from another address (interleaved).
    const half = Math.max(1, Math.floor(settings.connections / 2));
    const valid: WrkOptions = { url: `${appUrl}${SP_MANAGED}`, headers: { Authorization: authorization }, connections: half, threads: 1, durationSeconds: settings.duration };
    const flooding: WrkOptions = {
      url: `${appUrl}${SP_MANAGED}`,
      connections: half,
      threads: 1,
      durationSeconds: settings.duration,
      script: FLOOD_SCRIPT,
      scriptArgs: [ready.clientId, FLOOD_ADDRESS],
    };
    // The flood's first AUTH_FAILURES_PER_MINUTE attempts run argon2 (then 429s); that burst comes once a
    // minute per address, so it goes into a warm-up and the rounds measure a flood in progress.
    const floodStarted = performance.now();
    const floodWarmUp = settings.warmup > 0 ? await runWrk({ ...flooding, durationSeconds: settings.warmup }) : undefined;
    log(`${dialect}: valid client alone vs during a flood of wrong secrets from ${FLOOD_ADDRESS}, ${settings.rounds} interleaved rounds (-c${half} -t1 each)`);
    // A third variant, the flood with no valid client, gives the server CPU the flood itself takes:
    // a steadier figure than req/s when other jobs share the machine.
    const floodRuns = await interleave<'alone' | 'during' | 'flood-only', WrkResult[]>(ready.pid, [
      { key: 'alone', run: async (seconds) => [await runWrk({ ...valid, durationSeconds: seconds })] },
      { key: 'during', run: (seconds) => Promise.all([runWrk({ ...valid, durationSeconds: seconds }), runWrk({ ...flooding, durationSeconds: seconds })]) },
      { key: 'flood-only', run: async (seconds) => [await runWrk({ ...flooding, durationSeconds: seconds })] },
    ]);
    const spanSeconds = (performance.now() - floodStarted) / 1000;
    const alone = floodRuns.get('alone');
    const during = floodRuns.get('during');
    const floodOnly = floodRuns.get('flood-only');
    if (!alone || !during || !floodOnly) throw new Error('flood: missing results');
    const aloneResult = combineRuns(alone.parts.map((p) => p[0]!));
    const duringValid = combineRuns(during.parts.map((p) => p[0]!));
    const floodResult = combineRuns(during.parts.map((p) => p[1]!));
    expectOk(`${dialect} valid client alone`, aloneResult);
    expectOk(`${dialect} valid client during the flood`, duringValid);
    const after = await httpGet(`${appUrl}${SP_MANAGED}`, { authorization });
    if (after.status !== 200) throw new Error(`the valid client got ${after.status} after the flood`);
    return {
      auth,
      flood: {
        dialect,
        alone: aloneResult,
        aloneCpu: alone.cpu,
        during: duringValid,
        flood: floodResult,
        duringCpu: during.cpu,
        floodOnly: combineRuns(floodOnly.parts.map((p) => p[0]!)),
        floodOnlyCpu: floodOnly.cpu,
        connections: half,
        source: FLOOD_ADDRESS,
        spanSeconds,
        ...(floodWarmUp && { warmUp: floodWarmUp }),
        failuresPerMinute: ready.authFailuresPerMinute,
      },
    };
  } finally {
    if (server) await stopProcess(server);
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (schema) await dropSchema(schema);
  }
}

/** Start-up and memory of `node <entry> serve` on a fresh SQLite data folder. */
async function benchStartup(entry: string, label: string): Promise<StartupResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-bench-serve-'));
  let child: ChildProcess | undefined;
  try {
    const start = () =>
      startServing(
        [entry, 'serve'],
        // LOG_LEVEL stays at its default (info): one log line per request, as operators run it.
        { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: '' },
        { cwd: root, timeoutMs: 15_000 },
      );

    log(`${label}: first start (creates the data folder)`);
    const first = await start();
    await stopProcess(first.child);
    const { clientId, clientSecret } = await createBenchCredential({ DATA_DIR: dataDir });

    const warmStarts: { portMs: number; healthzMs: number }[] = [];
    let last: Awaited<ReturnType<typeof start>> | undefined;
    for (let i = 0; i < 3; i++) {
      log(`${label}: start ${i + 1} of 3 on the existing data folder`);
      last = await start();
      child = last.child;
      warmStarts.push({ portMs: last.portMs, healthzMs: last.healthzMs });
      if (i < 2) {
        await stopProcess(last.child);
        child = undefined;
      }
    }
    if (!last || last.child.pid === undefined) throw new Error('no server');
    const pid = last.child.pid;
    const afterStart = readMemory(pid);

    const url = `http://127.0.0.1:${last.port}${SP_MANAGED}`;
    const authorization = basic(clientId, clientSecret);
    const check = await httpGet(url, { authorization });
    if (check.status !== 200) throw new Error(`${label}: the credential got ${check.status}`);
    const afterFirstAuth = readMemory(pid);
    log(`${label}: authenticated load for memory (${settings.warmup} s + ${settings.duration} s, -c${settings.connections} -t${settings.threads})`);
    const loadOptions: WrkOptions = {
      url,
      headers: { Authorization: authorization },
      connections: settings.connections,
      threads: settings.threads,
      durationSeconds: settings.duration,
    };
    await warmUp(loadOptions);
    const { value: load, cpu: loadCpu } = await withCpu(pid, () => runWrk(loadOptions));
    expectOk('serve load', load);
    const afterLoad = readMemory(pid);
    return {
      firstStart: { portMs: first.portMs, healthzMs: first.healthzMs },
      warmStarts,
      rssAfterStartMb: afterStart.rssMb,
      rssAfterFirstAuthMb: afterFirstAuth.rssMb,
      rssAfterLoadMb: afterLoad.rssMb,
      peakRssMb: afterLoad.peakRssMb,
      load,
      loadCpu,
    };
  } finally {
    if (child) await stopProcess(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The last run's raw results, so that `BENCH_RENDER_ONLY=1` can re-render the page (e.g. after editing notes). */
const LAST_RESULTS = path.join(os.tmpdir(), 'ssobridge-bench-last-results.json');

async function main(): Promise<void> {
  if (env.BENCH_RENDER_ONLY === '1') {
    if (!fs.existsSync(LAST_RESULTS)) throw new Error(`no saved results in ${LAST_RESULTS}: run the bench first`);
    const saved = JSON.parse(fs.readFileSync(LAST_RESULTS, 'utf8')) as BenchResults & { date: string };
    publish({ ...saved, date: new Date(saved.date) });
    return;
  }
  const began = performance.now();
  const wrk = requireWrk();
  const pgVersion = settings.dialects.includes('postgres') ? await postgresVersion(settings.databaseUrl) : undefined;
  const machine = describeMachine(wrk, pgVersion);
  // On a shared machine, wait a little (bounded) for other jobs to calm down, and record what remains.
  const otherLoad = async (ms: number) => {
    const before = { machine: machineBusySeconds(), self: selfAndReapedChildrenSeconds(), at: performance.now() };
    await new Promise((resolve) => setTimeout(resolve, ms));
    return (machineBusySeconds() - before.machine - (selfAndReapedChildrenSeconds() - before.self)) / ((performance.now() - before.at) / 1000);
  };
  const quietDeadline = performance.now() + settings.quietWaitSeconds * 1000;
  let backgroundCoresBefore = await otherLoad(2000);
  while (backgroundCoresBefore > 0.3 && performance.now() < quietDeadline) {
    log(`other load on the machine: ${backgroundCoresBefore.toFixed(2)} cores busy; waiting up to ${settings.quietWaitSeconds} s for it to drop`);
    backgroundCoresBefore = await otherLoad(2000);
  }
  log(`other load on the machine: ${backgroundCoresBefore.toFixed(2)} cores busy`);

  const auth: AuthRun[] = [];
  const floods: FloodRun[] = [];
  for (const dialect of settings.dialects) {
    const result = await benchDialect(dialect);
    auth.push(...result.auth);
    floods.push(result.flood);
  }
  const startup = await benchStartup(path.join(root, 'bin', 'ssobridge.js'), 'serve');
  // For comparison only: the same server compiled ahead of time instead of through tsx.
  let precompiled: StartupResult | string;
  try {
    const bundle = await bundleCli(root);
    try {
      precompiled = await benchStartup(bundle.entry, 'serve (precompiled)');
    } finally {
      bundle.remove();
    }
  } catch (error) {
    precompiled = error instanceof Error ? error.message : String(error);
    log(`precompiled comparison skipped: ${precompiled}`);
  }

  const results: BenchResults = {
    date: new Date(),
    machine,
    settings: {
      duration: settings.duration,
      warmup: settings.warmup,
      connections: settings.connections,
      threads: settings.threads,
      rounds: settings.rounds,
      customers: settings.customers,
    },
    backgroundCoresBefore,
    auth,
    floods,
    startup,
    precompiled,
    elapsedSeconds: (performance.now() - began) / 1000,
  };
  fs.writeFileSync(LAST_RESULTS, JSON.stringify(results));
  publish(results);
}

/** Prints the summary and writes docs/benchmarks.md (with bench/notes.md) from a run's results. */
function publish(results: BenchResults): void {
  const notesFile = path.join(root, 'bench', 'notes.md');
  const notes = fs.existsSync(notesFile) ? fs.readFileSync(notesFile, 'utf8') : '';
  const report = renderReport(results, notes);
  process.stdout.write(`${report.summary}\n`);
  if (settings.output !== '-') {
    fs.mkdirSync(path.dirname(settings.output), { recursive: true });
    fs.writeFileSync(settings.output, report.markdown);
    log(`wrote ${path.relative(root, settings.output)} (${results.elapsedSeconds.toFixed(0)} s in all)`);
  }
  if (!report.allTargetsMet) log('some targets were missed: see the table above');
}

const abort = (signal: NodeJS.Signals) => {
  killChildren();
  const exit = () => process.exit(signal === 'SIGINT' ? 130 : 143);
  // The killed server cannot drop its schema; give the drop a moment, then leave anyway.
  setTimeout(exit, 3000).unref();
  Promise.allSettled([...liveSchemas].map(dropSchema)).then(exit, exit);
};
process.once('SIGINT', abort);
process.once('SIGTERM', abort);

main().catch((error: unknown) => {
  killChildren();
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
