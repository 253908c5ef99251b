/**
 * The benchmarks of the Customer Connection API at scale and of the SSO runtime. Runs each
 * script as its own process (so each starts clean), then appends their sections to
 * docs/benchmarks.md, which bench/run.ts has just written.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const output = process.env.BENCH_OUTPUT ?? path.join('docs', 'benchmarks.md');
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

function runJsonLines<T>(script: string, env: Record<string, string> = {}): T[] {
  log(`running ${script}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${script} failed with exit code ${result.status}`);
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as T);
}

const n = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (value: number) => `${n(value * 100)} %`;

interface ScaleRun {
  dialect: string;
  customers: number;
  appConnections: number;
  loadSeconds: number;
  databaseMiB: number;
  emptyRoute: { requestsPerSecond: number; p50Ms: number; p99Ms: number; errors: number };
  getCustomer: { requestsPerSecond: number; p50Ms: number; p99Ms: number; errors: number };
  ratio: number;
  getHotCustomer: { requestsPerSecond: number; p50Ms: number; p99Ms: number; errors: number };
  hotRatio: number;
  pages: Record<'first' | 'middle' | 'last', { p50Ms: number; p99Ms: number }>;
}

interface LoginRun {
  dialect: string;
  target: string;
  logins: number;
  failures: number;
  loginsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  idpSigningMsPerLogin: number;
  concurrency: number;
}

function main(): void {
  const scale = runJsonLines<ScaleRun>('bench/connections.ts');
  const logins = runJsonLines<LoginRun>('bench/sso-logins.ts');

  const lines: string[] = [];
  lines.push(
    '',
    '## Customer Connection API at scale',
    '',
    '**What**: `GET …/spManaged/{idpId}` for a random customer against an authenticated route that',
    'does nothing (same HTTP Basic check, empty JSON), list pages at the first, middle and last',
    'cursor, and the database size, with 1,000 / 10,000 / 100,000 customers of two app connections',
    'each (bulk-loaded with the rows `putCustomer` writes). **How**: `bench/connections.ts`, real',
    'server in a child process, `wrk -t2 -c32` for each route; list pages are 60 sequential',
    'requests each. GET is measured twice: over a hot set of 1,000 customers (served from the',
    'per-account view cache after the first read) and uniformly over all of them (mostly cold reads',
    'from the database at 100,000). Target: GET at least 50 % of the empty route; every list page',
    'under 20 ms.',
    '',
    '| database | customers | app connections | load s | database MiB | empty route req/s | GET hot set req/s (ratio) | GET uniform req/s (ratio) | GET uniform p50 / p99 ms | page p50/p99 ms: first · middle · last |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...scale.map(
      (r) =>
        `| ${r.dialect} | ${n(r.customers)} | ${n(r.appConnections)} | ${n(r.loadSeconds, 1)} | ${n(r.databaseMiB, 1)} | ${n(r.emptyRoute.requestsPerSecond)} | ${n(r.getHotCustomer.requestsPerSecond)} (${pct(r.hotRatio)}) | ${n(r.getCustomer.requestsPerSecond)} (${pct(r.ratio)}) | ${n(r.getCustomer.p50Ms, 1)} / ${n(r.getCustomer.p99Ms, 1)} | ${(['first', 'middle', 'last'] as const).map((k) => `${n(r.pages[k].p50Ms, 1)}/${n(r.pages[k].p99Ms, 1)}`).join(' · ')} |`,
    ),
    '',
    'A PUT whose body changes nothing writes nothing (no row, no audit event, same `updatedAt`): that is',
    'asserted by test/api/customer-connections.test.ts rather than timed here.',
    '',
    '## Full SSO logins',
    '',
    '**What**: complete SP-initiated logins: `GET /sso/sp/initsso` (signed AuthnRequest) → a scripted',
    'IdP signs a response (in the load generator, timed separately) → `POST /sso/sp/ACS.saml2` →',
    '`GET /sso/TXS/2.0/1/{tokenid}` for a REST app, or the signed Response to a SAML app (which adds',
    'our signature and ends at the ACS). **How**: `bench/sso-logins.ts`, the real server in a child',
    'process, logins in concurrent loops; latency is the sum of the server requests of one login.',
    '',
    '| database | delivered to | concurrency | logins/s | p50 ms | p99 ms | failures | IdP signing ms/login (load generator) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...logins.map((r) => `| ${r.dialect} | ${r.target === 'rest' ? 'REST app (token exchange)' : 'SAML app (signed assertion)'} | ${r.concurrency} | ${n(r.loginsPerSecond, 1)} | ${n(r.p50Ms, 1)} | ${n(r.p99Ms, 1)} | ${r.failures} | ${n(r.idpSigningMsPerLogin, 1)} |`),
    '',
    'The server, the load generator (which also plays the IdP and signs every response) and',
    'PostgreSQL share the same two cores, so these are lower bounds for a server with a core of its own.',
    '',
  );
  fs.appendFileSync(output, lines.join('\n'));
  log(`appended the scale and SSO sections to ${output}`);
}

main();
