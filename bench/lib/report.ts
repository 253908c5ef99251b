import type { Dialect } from '../../src/db/database.js';
import type { MachineInfo } from './machine.js';
import type { WrkResult } from './wrk.js';

/** CPU seconds spent during a measurement, by whom; divide by wallSeconds for cores in use. */
export interface CpuSeconds {
  wallSeconds: number;
  server: number;
  /** Every `postgres` process on the machine (other users of the server included). */
  postgres: number;
  /** wrk (and the bench script itself). */
  loadGenerator: number;
  /** Everything else busy on the machine meanwhile: other jobs, the kernel's share not billed to these. */
  other: number;
}

export function addCpu(a: CpuSeconds, b: CpuSeconds): CpuSeconds {
  return {
    wallSeconds: a.wallSeconds + b.wallSeconds,
    server: a.server + b.server,
    postgres: a.postgres + b.postgres,
    loadGenerator: a.loadGenerator + b.loadGenerator,
    other: a.other + b.other,
  };
}

export interface AuthRun {
  dialect: Dialect;
  /** probe-*: the bench's bare Fastify instance; app-*: the real application from buildApp. */
  route: 'probe-unauthenticated' | 'probe-authenticated' | 'app-authenticated';
  result: WrkResult;
  cpu: CpuSeconds;
  customersPerPage: number;
}

export interface FloodRun {
  dialect: Dialect;
  alone: WrkResult;
  aloneCpu: CpuSeconds;
  during: WrkResult;
  flood: WrkResult;
  duringCpu: CpuSeconds;
  connections: number;
  /** The flood's client address (X-Forwarded-For); the valid client is 127.0.0.1. */
  source: string;
  /** Wall time from the flood's warm-up to its last round: the throttle's sliding minutes it spans. */
  spanSeconds: number;
  /** The flood's warm-up, before the measured rounds: where its first failures (argon2) land. */
  warmUp?: WrkResult;
  /** The flood with no valid client, for the server CPU it takes by itself. */
  floodOnly: WrkResult;
  floodOnlyCpu: CpuSeconds;
  /** AUTH_FAILURES_PER_MINUTE in force. */
  failuresPerMinute: number;
}

export interface StartupResult {
  firstStart: { portMs: number; healthzMs: number };
  warmStarts: { portMs: number; healthzMs: number }[];
  rssAfterStartMb: number;
  /** After one request with the new credential: one argon2id verification (19 MiB) on a worker thread. */
  rssAfterFirstAuthMb: number;
  rssAfterLoadMb: number;
  peakRssMb: number;
  load: WrkResult;
  loadCpu: CpuSeconds;
}

export interface BenchResults {
  date: Date;
  machine: MachineInfo;
  settings: { duration: number; warmup: number; connections: number; threads: number; rounds: number; customers: number };
  /** Cores busy with other work on the machine just before the bench started. */
  backgroundCoresBefore: number;
  auth: AuthRun[];
  floods: FloodRun[];
  startup: StartupResult;
  /** The same measurements for an ahead-of-time esbuild bundle, or why it could not be made. */
  precompiled: StartupResult | string;
  elapsedSeconds: number;
}

export const TARGETS = {
  authRatio: 0.8,
  startupMs: 2000,
  rssMb: 200,
  /** Share of its throughput the valid client must keep during the flood. */
  floodKeptShare: 0.9,
};

const rps = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => n.toFixed(2);
const cores = (seconds: number, cpu: CpuSeconds) => (seconds / cpu.wallSeconds).toFixed(2);
/** "server 0.98 / pg 0.40 / wrk 0.55 / other 0.02" cores. */
const cpuCell = (cpu: CpuSeconds, withPostgres: boolean) =>
  [`server ${cores(cpu.server, cpu)}`, ...(withPostgres ? [`pg ${cores(cpu.postgres, cpu)}`] : []), `wrk ${cores(cpu.loadGenerator, cpu)}`, `other ${cores(cpu.other, cpu)}`].join(' · ');
const mb = (n: number) => `${n.toFixed(0)} MB`;
const verdict = (ok: boolean) => (ok ? 'met' : '**MISSED**');
const dialectName = (d: Dialect) => (d === 'sqlite' ? 'SQLite' : 'PostgreSQL');

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const routeLabel: Record<AuthRun['route'], string> = {
  'probe-unauthenticated': '(b) unauthenticated `/bench/unauthenticated/spManaged` (bench instance)',
  'probe-authenticated': '(a) authenticated `…/2.0/spManaged` (bench instance, real `apiPlugin`)',
  'app-authenticated': '(a′) authenticated `…/2.0/spManaged` (full app from `buildApp`)',
};

/** Server CPU time per request: less sensitive than req/s to other load on a shared machine. */
const usPerRequest = (run: AuthRun) => (run.cpu.server / run.result.requests) * 1e6;

function authSection(results: BenchResults): { text: string; ok: boolean } {
  const rows: string[][] = [];
  const ratios: string[][] = [];
  let ok = true;
  for (const dialect of [...new Set(results.auth.map((r) => r.dialect))]) {
    const runs = results.auth.filter((r) => r.dialect === dialect);
    const find = (route: AuthRun['route']) => runs.find((r) => r.route === route);
    for (const run of runs) {
      rows.push([
        dialectName(dialect),
        routeLabel[run.route],
        rps(run.result.requestsPerSecond),
        ms(run.result.p50Ms),
        ms(run.result.p99Ms),
        usPerRequest(run).toFixed(0),
        cpuCell(run.cpu, dialect === 'postgres'),
      ]);
    }
    const unauth = find('probe-unauthenticated');
    const probeAuth = find('probe-authenticated');
    const appAuth = find('app-authenticated');
    if (unauth && probeAuth && appAuth) {
      const isolated = probeAuth.result.requestsPerSecond / unauth.result.requestsPerSecond;
      const full = appAuth.result.requestsPerSecond / unauth.result.requestsPerSecond;
      ok &&= isolated >= TARGETS.authRatio;
      const byCpu = usPerRequest(unauth) / usPerRequest(probeAuth);
      const fullByCpu = usPerRequest(unauth) / usPerRequest(appAuth);
      ratios.push([
        dialectName(dialect),
        `${(isolated * 100).toFixed(1)} %`,
        verdict(isolated >= TARGETS.authRatio),
        `${(byCpu * 100).toFixed(1)} %`,
        `${(full * 100).toFixed(1)} % (CPU: ${(fullByCpu * 100).toFixed(1)} %)`,
      ]);
    }
  }
  const text = [
    table(['database', 'route', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/request', `CPU cores busy (of ${results.machine.cpus})`], rows),
    '',
    table(
      [
        'database',
        'req/s (a) / (b): authentication alone',
        `target ≥ ${TARGETS.authRatio * 100} %`,
        'same from server CPU per request, (b) / (a)',
        'req/s (a′) / (b): full app incl. global hooks',
      ],
      ratios,
    ),
  ].join('\n');
  return { text, ok };
}

function floodSection(results: BenchResults): { text: string; ok: boolean } {
  let ok = true;
  const rows = results.floods.map((f) => {
    const statuses = f.flood.statuses ?? {};
    const kept = f.during.requestsPerSecond / f.alone.requestsPerSecond;
    // Steadier on a shared machine: the server's event loop is what the flood could take from the
    // valid client, so what it keeps is about 1 − (server CPU of the flood alone) / (server CPU of
    // the valid client alone). CPU seconds per second of wrk run (wall time also has wrk's start and stop).
    const floodCores = f.floodOnlyCpu.server / f.floodOnly.durationSeconds;
    const validCores = f.aloneCpu.server / f.alone.durationSeconds;
    const keptByCpu = 1 - floodCores / validCores;
    // Only failures within the limit may reach argon2 (401); the rest is refused with 429 first.
    const warmUpStatuses = f.warmUp?.statuses ?? {};
    const hashed = (statuses['401'] ?? 0) + (warmUpStatuses['401'] ?? 0);
    const hashedAllowed = f.failuresPerMinute * Math.ceil(f.spanSeconds / 60);
    ok &&= kept >= TARGETS.floodKeptShare && hashed <= hashedAllowed;
    const mix = Object.entries(statuses)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([code, n]) => `${code}: ${n.toLocaleString('en-US')}`)
      .join(', ');
    return [
      dialectName(f.dialect),
      `${rps(f.alone.requestsPerSecond)} (p99 ${ms(f.alone.p99Ms)} ms)`,
      `${rps(f.during.requestsPerSecond)} (p99 ${ms(f.during.p99Ms)} ms)`,
      `${(kept * 100).toFixed(0)} % ${kept >= TARGETS.floodKeptShare ? '' : `**(expected ≥ ${TARGETS.floodKeptShare * 100} %)**`}`.trim(),
      `${(keptByCpu * 100).toFixed(1)} % (flood alone: ${floodCores.toFixed(3)} server cores, ${rps(f.floodOnly.requestsPerSecond)} req/s)`,
      rps(f.flood.requestsPerSecond),
      mix,
      `${hashed} (at most ${hashedAllowed}; ${warmUpStatuses['401'] ?? 0} of them in the warm-up) ${hashed <= hashedAllowed ? '' : '**(too many)**'}`.trim(),
      `alone: ${cpuCell(f.aloneCpu, f.dialect === 'postgres')}<br>flood: ${cpuCell(f.duringCpu, f.dialect === 'postgres')}`,
    ];
  });
  const text = table(
    ['database', 'valid req/s alone', 'valid req/s during flood', 'kept', 'kept, from server CPU', 'flood req/s', 'flood statuses', 'flood answers that ran argon2 (401)', 'CPU cores busy'],
    rows,
  );
  return { text, ok };
}

function startupSection(results: BenchResults): { text: string; ok: boolean } {
  const s = results.startup;
  const slowest = Math.max(...s.warmStarts.map((w) => w.healthzMs));
  const sorted = s.warmStarts.map((w) => w.healthzMs).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  const startOk = slowest < TARGETS.startupMs;
  const rssOk = s.rssAfterStartMb < TARGETS.rssMb && s.rssAfterLoadMb < TARGETS.rssMb;
  const rows = [
    ['first start, empty data folder (creates it, migrates, creates the default account)', `port ${s.firstStart.portMs.toFixed(0)} ms, /healthz ${s.firstStart.healthzMs.toFixed(0)} ms`, '—', ''],
    [
      `start on the existing data folder (${s.warmStarts.length} runs)`,
      `/healthz: median ${median.toFixed(0)} ms, slowest ${slowest.toFixed(0)} ms (port open: ${s.warmStarts.map((w) => w.portMs.toFixed(0)).join(', ')} ms)`,
      `< ${TARGETS.startupMs} ms`,
      verdict(startOk),
    ],
    ['resident memory (VmRSS) after start', mb(s.rssAfterStartMb), `< ${TARGETS.rssMb} MB`, verdict(s.rssAfterStartMb < TARGETS.rssMb)],
    ['VmRSS after the first authenticated request (one argon2id check, 19 MiB, on a worker thread)', mb(s.rssAfterFirstAuthMb), '—', ''],
    [
      `VmRSS after ${results.settings.warmup} + ${results.settings.duration} s of authenticated load (${rps(s.load.requestsPerSecond)} req/s, p99 ${ms(s.load.p99Ms)} ms; ${cpuCell(s.loadCpu, false)} cores)`,
      mb(s.rssAfterLoadMb),
      `< ${TARGETS.rssMb} MB`,
      verdict(s.rssAfterLoadMb < TARGETS.rssMb),
    ],
    ['peak resident memory (VmHWM)', mb(s.peakRssMb), '—', ''],
  ];
  return { text: table(['measure', 'value', 'target', ''], rows), ok: startOk && rssOk };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The shipped start (compiled dist/) next to an esbuild bundle of the same sources. */
function precompiledSection(results: BenchResults): string {
  const p = results.precompiled;
  if (typeof p === 'string') return `The precompiled comparison could not run: ${p}`;
  const s = results.startup;
  const row = (label: string, r: StartupResult) => [
    label,
    `${median(r.warmStarts.map((w) => w.healthzMs)).toFixed(0)} ms`,
    mb(r.rssAfterStartMb),
    mb(r.rssAfterFirstAuthMb),
    mb(r.rssAfterLoadMb),
    mb(r.peakRssMb),
    rps(r.load.requestsPerSecond),
  ];
  return table(
    ['how the server runs', 'start to /healthz (median of 3)', 'VmRSS after start', 'after first auth', 'after load', 'VmHWM', 'req/s under the load'],
    [row('`node bin/ssobridge.js serve` (runs the compiled dist/, as shipped)', s), row('esbuild bundle of src/cli.ts, `node dist/cli.mjs serve` (comparison only)', p)],
  );
}

function machineSection(results: BenchResults): string {
  const m = results.machine;
  return table(
    ['', ''],
    [
      ['date', results.date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')],
      ['CPUs (`nproc`)', String(m.cpus)],
      ['CPU model', m.cpuModel],
      ['memory', `${m.memoryGb.toFixed(1)} GiB`],
      ['OS', `${m.os}, Linux ${m.kernel}`],
      ['Node.js', m.node],
      ['SQLite (better-sqlite3)', m.sqlite],
      ['PostgreSQL', m.postgres ? `${m.postgres} on 127.0.0.1 (same machine)` : 'not measured'],
      ['load generator', m.wrk],
      ['other load when the bench started', `${results.backgroundCoresBefore.toFixed(2)} cores busy (sampled for 2 s)`],
    ],
  );
}

export function renderReport(results: BenchResults, notes: string): { summary: string; markdown: string; allTargetsMet: boolean } {
  const auth = authSection(results);
  const flood = floodSection(results);
  const startup = startupSection(results);
  const st = results.settings;
  const summary = [
    '',
    `## Authentication overhead (wrk -t${st.threads} -c${st.connections}, ${st.warmup} s warm-up + ${st.duration} s)`,
    auth.text,
    '',
    `## Flood of wrong secrets (valid client and flood: wrk -t1 -c${results.floods[0]?.connections ?? '?'} each, ${st.duration} s)`,
    flood.text,
    '',
    '## Start-up and memory (`node bin/ssobridge.js serve`, SQLite)',
    startup.text,
    '',
    precompiledSection(results),
    '',
    `Targets: authentication ${verdict(auth.ok)}, flood ${verdict(flood.ok)}, start-up and memory ${verdict(startup.ok)}.`,
  ].join('\n');

  const markdown = `# Benchmarks

Generated by \`npm run bench\` (\`scripts/bench.sh\` → \`bench/run.ts\`) on ${results.date.toISOString().slice(0, 10)}; the whole run took ${results.elapsedSeconds.toFixed(0)} s.
Re-run it to refresh this page; the figures below are from one run on the machine described here,
so compare figures from the same machine only.

## Machine

${machineSection(results)}

The load generator, the server and PostgreSQL share these ${results.machine.cpus} cores; all traffic is on
loopback. The server is one Node.js process (one core for JavaScript; argon2 hashing runs on libuv
worker threads). The "CPU cores busy" columns split where the machine's CPU time went during each
measurement (from \`/proc\`): the server process, every \`postgres\` process, wrk (and the bench
script), and everything else — work by other jobs on a shared machine shows up there, and figures
taken while "other" is high are pessimistic.

## 1. Authentication overhead

**What**: the cost of HTTP Basic authentication on \`GET /web-portal/rest/saas/idp/2.0/spManaged\`
(one page of up to 50 customers; the benchmark account has ${st.customers}, so every response lists
${results.auth[0]?.customersPerPage ?? st.customers}) against the same endpoint without authentication.

**How**: \`bench/bench-server.ts\` runs in a child process on a fresh database (a temporary SQLite
folder, or a fresh PostgreSQL schema dropped afterwards) with a Connection API credential and serves:

- the real application from \`buildApp\` (helmet, cookies, static files, swagger, console and API
  plugins) — row (a′);
- a bench-only Fastify instance with the same zod compilers and JSON error handler, registering the
  real \`apiPlugin\` (row (a)) and, under \`/bench/unauthenticated\`, the very same
  \`registerSpManagedRoutes\` with the Basic-auth hook replaced by a fixed principal (row (b)). Rows
  (a) and (b) run the same schema, handler and \`services.customers.listCustomers(accountId, { limit: 50 })\`
  and differ only by authentication. (Row (a′) adds everything else the real application does on
  each request: security headers, cookies, the other plugins' hooks.)

Each route: \`wrk -t${st.threads} -c${st.connections}\`, ${st.warmup} s warm-up, then ${st.duration} s measured in ${st.rounds}
interleaved rounds (b, a, a′, then a′, a, b, …) so that a slow patch of the machine hits every route
alike; req/s is over all rounds, p50/p99 are request-weighted means of the rounds. A valid credential
is verified with argon2 once and then served from the in-memory cache, which is the steady state.
The server logs at \`warn\` (no per-request lines). Every measured response was 200.

${auth.text}

Target: (a) ≥ ${TARGETS.authRatio * 100} % of (b) — **${auth.ok ? 'met' : 'missed'}**.

## 2. Flood of wrong secrets

**What**: whether a client with a valid credential keeps its throughput while another source
address floods its client ID with wrong secrets, and what the flood gets back.

**How**: on the same bench server (real app, which trusts loopback as a proxy), the valid client
alone (\`wrk -t1 -c${results.floods[0]?.connections ?? '?'}\`, address 127.0.0.1) and the same while a second wrk
(\`-t1 -c${results.floods[0]?.connections ?? '?'}\`, \`bench/wrk/flood.lua\`) sends wrong secrets for the valid client's ID as
client address ${results.floods[0]?.source ?? '?'} (\`X-Forwarded-For\`); ${st.duration} s each, in ${st.rounds} interleaved rounds, after
${st.warmup} s of flood alone as a warm-up (it takes the flood's first failures, which run argon2: a burst
that an address gets once a minute, so the rounds measure a flood in progress).
The throttle allows \`AUTH_FAILURES_PER_MINUTE\` (${results.floods[0]?.failuresPerMinute ?? 20}) failed attempts a minute per
source address and per (client ID, address); those run argon2 and get 401, the rest get 429
without hashing, and a refusal of an address already known to be blocked is held for 1 s before
it is sent, so the flood's connections mostly wait instead of taking the server's time. The
per-client-ID ceiling (\`AUTH_FAILURES_PER_CLIENT_ID_PER_MINUTE\`) is not reached by one address. Both
wrk processes compete with the server for the same ${results.machine.cpus} cores. The second "kept" column is
1 − (server CPU the flood takes with no valid client, measured in interleaved rounds of its own) /
(server CPU the valid client takes alone): what the flood costs the server itself, which other jobs
on a shared machine move much less than req/s.

${flood.text}

Targets: the valid client keeps ≥ ${TARGETS.floodKeptShare * 100} % of its requests per second, and no more of the flood
reaches argon2 than the per-address limit allows in the minutes the flood spans — **${flood.ok ? 'met' : 'missed'}**.

## 3. Start-up and memory

**What**: wall time from \`spawn(node bin/ssobridge.js serve)\` until the port accepts a TCP
connection and \`GET /healthz\` answers 200, and the process's resident memory (\`VmRSS\` from
\`/proc/PID/status\`).

**How**: a temporary \`DATA_DIR\` (embedded SQLite), \`HOST=127.0.0.1\`, a free \`PORT\`, default
\`LOG_LEVEL\` (\`info\`: one log line per request; stdout goes to \`/dev/null\`). A first start creates the
folder; a Connection API credential is then added to the default account and the server is started
three more times on the existing folder. On the last start, memory is read after start-up and after
${st.warmup} + ${st.duration} s of authenticated \`spManaged\` load (\`wrk -t${st.threads} -c${st.connections}\`; the default account
has no customers, so each page is empty and lighter than in section 1). \`bin/ssobridge.js\` runs the
compiled \`dist/\` that \`npm ci\` builds (\`npm run build\`) when it is current, else the sources
through tsx; the bench builds first, so the first row is the compiled server as operators run it.

${startup.text}

Targets: start-up < ${TARGETS.startupMs} ms and memory < ${TARGETS.rssMb} MB — **${startup.ok ? 'met' : 'missed'}**.

For comparison (not a shipped configuration), the same measurements on the same sources compiled
ahead of time with esbuild (\`bench/lib/bundle.ts\`: one ESM file, dependencies external, no tsx),
which shows what running the TypeScript sources through tsx costs:

${precompiledSection(results)}
${notes.trim() ? `\n${notes.trim()}\n` : ''}
## Running it

\`\`\`sh
npm run bench                                   # needs wrk (Debian package \`wrk\`) and PostgreSQL
BENCH_DIALECTS=sqlite npm run bench             # SQLite only
BENCH_DATABASE_URL=postgres://user@host/db npm run bench
npm run build && node --import tsx bench/memory.ts   # the memory section alone (both databases)
\`\`\`

Other knobs: \`BENCH_DURATION\` (s per measured run, default 8), \`BENCH_ROUNDS\` (default 4),
\`BENCH_WARMUP\` (default 2), \`BENCH_QUIET_WAIT\` (default 30: seconds to wait at most for other load to drop),
\`BENCH_CONNECTIONS\` (default 32), \`BENCH_THREADS\` (default 2), \`BENCH_CUSTOMERS\` (default 20),
\`BENCH_OUTPUT\` (default \`docs/benchmarks.md\`; \`-\` only prints). Only loopback traffic; every load
run is bounded in time.
`;
  return { summary, markdown, allTargetsMet: auth.ok && flood.ok && startup.ok };
}
