/**
 * Resident memory of `ssobridge serve` on SQLite and on PostgreSQL, under authenticated load and
 * under the same load with a burst of wrong secrets (each runs argon2id, 19 MiB, as the first
 * minute of a flood does), with where the memory is at its peak (V8 heap, outside it).
 *
 *   npm run build && node --import tsx bench/memory.ts [--append]
 *
 * Knobs: BENCH_DIALECTS (sqlite,postgres), BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test:
 * a fresh database is created next to it and dropped), BENCH_MEMORY_ENTRY (bin/ssobridge.js; e.g. an
 * older build's dist/cli.js for a before/after), BENCH_DURATION (8), BENCH_WARMUP (2),
 * BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_BURST (20: AUTH_FAILURES_PER_MINUTE, the wrong
 * secrets one address gets hashed before 429), BENCH_OUTPUT (docs/benchmarks.md, with --append).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Dialect } from '../src/db/database.js';
import { API_PREFIX } from '../src/http/api/api-plugin.js';
import { createBenchCredential } from './lib/credentials.js';
import { httpGet, killChildren, readMemory, startServing, stopProcess } from './lib/processes.js';
import { requireWrk, runWrk, type WrkOptions, type WrkResult } from './lib/wrk.js';
import { withTestKeyEncryptionKey } from '../test/helpers/key-encryption.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const settings = {
  dialects: (env.BENCH_DIALECTS || 'sqlite,postgres').split(',').map((d) => d.trim()).filter(Boolean) as Dialect[],
  databaseUrl: env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  entry: path.resolve(root, env.BENCH_MEMORY_ENTRY || 'bin/ssobridge.js'),
  duration: Number(env.BENCH_DURATION || 8),
  warmup: Number(env.BENCH_WARMUP || 2),
  connections: Number(env.BENCH_CONNECTIONS || 32),
  threads: Number(env.BENCH_THREADS || 2),
  burst: Number(env.BENCH_BURST || 20),
  output: env.BENCH_OUTPUT || path.join(root, 'docs', 'benchmarks.md'),
};
const PROBE = path.join(root, 'bench', 'lib', 'memory-probe.mjs');
const log = (message: string) => process.stderr.write(`[bench memory] ${message}\n`);
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`, 'utf8').toString('base64')}`;
const MiB = 1024 * 1024;

interface ProbeSample {
  atHighestRss: NodeJS.MemoryUsage;
  highest: Record<'rss' | 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers', number>;
}

interface MemoryRun {
  dialect: Dialect;
  rssAfterStartMb: number;
  rssAfterFirstAuthMb: number;
  load: WrkResult;
  rssAfterLoadMb: number;
  peakUnderLoadMb: number;
  burstStatuses: Record<string, number>;
  peakWithBurstMb: number;
  probe: ProbeSample;
}

/** A fresh database: a temporary SQLite folder, or a PostgreSQL database created beside BENCH_DATABASE_URL's. */
async function freshDatabase(dialect: Dialect): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-bench-memory-'));
  if (dialect === 'sqlite') return { env: { DATA_DIR: dataDir, DATABASE_URL: '' }, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  const name = `bench_memory_${randomBytes(5).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: settings.databaseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(settings.databaseUrl);
  url.pathname = `/${name}`;
  return {
    env: withTestKeyEncryptionKey({ DATA_DIR: dataDir, DATABASE_URL: url.toString() }),
    async drop() {
      fs.rmSync(dataDir, { recursive: true, force: true });
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function measure(dialect: Dialect): Promise<MemoryRun> {
  const database = await freshDatabase(dialect);
  const probeOut = path.join(os.tmpdir(), `ssobridge-memory-probe-${process.pid}.json`);
  let child: ChildProcess | undefined;
  try {
    const start = () =>
      startServing(
        ['--import', PROBE, settings.entry, 'serve'],
        // LOG_LEVEL at its default (info: a line per request), stdout to /dev/null, as in section 3.
        { ...process.env, ...database.env, LOG_LEVEL: '', PUBLIC_URL: '', MEMORY_PROBE_OUT: probeOut },
        { cwd: root, timeoutMs: 30_000 },
      );
    log(`${dialect}: first start (migrates, creates the default account)`);
    const first = await start();
    await stopProcess(first.child);
    const { clientId, clientSecret } = await createBenchCredential(database.env);
    const server = await start();
    child = server.child;
    const pid = server.child.pid!;
    const rssAfterStartMb = readMemory(pid).rssMb;
    const url = `http://127.0.0.1:${server.port}${API_PREFIX}/spManaged`;
    const authorization = basic(clientId, clientSecret);
    const check = await httpGet(url, { authorization });
    if (check.status !== 200) throw new Error(`${dialect}: the credential got ${check.status}`);
    const rssAfterFirstAuthMb = readMemory(pid).rssMb;

    const load: WrkOptions = { url, headers: { Authorization: authorization }, connections: settings.connections, threads: settings.threads, durationSeconds: settings.duration };
    log(`${dialect}: authenticated load (${settings.warmup} + ${settings.duration} s, -c${settings.connections} -t${settings.threads})`);
    if (settings.warmup > 0) await runWrk({ ...load, durationSeconds: settings.warmup });
    const loaded = await runWrk(load);
    if (loaded.statusErrors > 0 || loaded.socketErrors > 0) throw new Error(`${dialect}: ${loaded.statusErrors} error statuses under load`);
    const afterLoad = readMemory(pid);

    log(`${dialect}: the same load with ${settings.burst} different wrong secrets at once in the middle`);
    const during = runWrk(load);
    await new Promise((resolve) => setTimeout(resolve, (settings.duration * 1000) / 2));
    const statuses = await Promise.all(
      Array.from({ length: settings.burst }, () => httpGet(url, { authorization: basic(clientId, `wrong-${randomBytes(12).toString('base64url')}`) }, 30_000).then((r) => r.status)),
    );
    await during;
    const burstStatuses: Record<string, number> = {};
    for (const s of statuses) burstStatuses[s] = (burstStatuses[s] ?? 0) + 1;

    server.child.kill('SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const probe = JSON.parse(fs.readFileSync(probeOut, 'utf8')) as ProbeSample;
    return {
      dialect,
      rssAfterStartMb,
      rssAfterFirstAuthMb,
      load: loaded,
      rssAfterLoadMb: afterLoad.rssMb,
      peakUnderLoadMb: afterLoad.peakRssMb,
      burstStatuses,
      peakWithBurstMb: readMemory(pid).peakRssMb,
      probe,
    };
  } finally {
    if (child) await stopProcess(child);
    fs.rmSync(probeOut, { force: true });
    await database.drop();
  }
}

function render(runs: MemoryRun[], startedAt: Date, loadAverage: number[]): string {
  const mb = (n: number) => `${n.toFixed(0)} MB`;
  const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)}`;
  const name = (d: Dialect) => (d === 'sqlite' ? 'SQLite' : 'PostgreSQL');
  const rows = runs.map((r) => {
    const p = r.probe.atHighestRss;
    return `| ${name(r.dialect)} | ${mb(r.rssAfterStartMb)} | ${mb(r.rssAfterFirstAuthMb)} | ${mb(r.rssAfterLoadMb)} (${Math.round(r.load.requestsPerSecond).toLocaleString('en-US')} req/s) | ${mb(r.peakUnderLoadMb)} | ${mb(r.peakWithBurstMb)} (${Object.entries(r.burstStatuses).map(([s, n]) => `${s}: ${n}`).join(', ')}) | ${mib(p.rss)} = heap ${mib(p.heapTotal)} (used ${mib(p.heapUsed)}) + outside the heap ${mib(p.rss - p.heapTotal)} (external ${mib(p.external)}) |`;
  });
  return [
    '',
    '## Memory under authenticated load, SQLite and PostgreSQL',
    '',
    `\`bench/memory.ts\` on ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC (${os.cpus().length} CPUs, load average ${loadAverage.map((l) => l.toFixed(1)).join(', ')} when it started: other jobs were running), \`${path.relative(root, settings.entry)} serve\` with default settings (pool of 10 PostgreSQL connections), a fresh database each. After start and one authenticated request: ${settings.warmup} + ${settings.duration} s of authenticated \`spManaged\` load (\`wrk -t${settings.threads} -c${settings.connections}\`), then ${settings.duration} s more with ${settings.burst} requests carrying different wrong secrets sent at once in the middle (what one address gets hashed before \`429\`, as at the start of a flood). VmRSS and the peak VmHWM from \`/proc\`; the split at the highest RSS from \`process.memoryUsage()\` sampled every 20 ms in the server (\`bench/lib/memory-probe.mjs\`), in MiB.`,
    '',
    '| database | VmRSS after start | after first auth | after load | peak under load (VmHWM) | peak with the burst (VmHWM) | at the highest RSS, MiB |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  requireWrk();
  const startedAt = new Date();
  const loadAverage = os.loadavg();
  const runs: MemoryRun[] = [];
  for (const dialect of settings.dialects) runs.push(await measure(dialect));
  const section = render(runs, startedAt, loadAverage);
  process.stdout.write(`${section}\n`);
  if (process.argv.includes('--append')) {
    fs.appendFileSync(settings.output, section);
    log(`appended to ${path.relative(root, settings.output)}`);
  }
}

process.once('SIGINT', () => {
  killChildren();
  process.exit(130);
});
main().catch((error: unknown) => {
  killChildren();
  process.stderr.write(`bench memory failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
