/**
 * Customer Connection API at scale: with 1,000 / 10,000 / 100,000 customers (two app connections
 * each), `GET …/spManaged/{idpId}` against an authenticated route that does nothing, list-page
 * latency at the first, middle and last cursor, and the database size. Prints JSON lines.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { encodeCursor } from '../src/domain/connections/customer-service.js';
import { freePort } from './lib/processes.js';
import { runBench } from './lib/script.js';
import { runWrk } from './lib/wrk.js';

const SIZES = (process.env.CB_SIZES ?? '1000,10000,100000').split(',').map(Number);
const SECONDS = Number(process.env.CB_SECONDS ?? 4);
const PREFIX = '/web-portal/rest/saas/idp/2.0/spManaged';

function directorySize(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

async function measure(dialect: 'sqlite' | 'postgres', customers: number, databaseUrl: string) {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-cb-'));
  const schema = dialect === 'postgres' ? `cb_${randomBytes(4).toString('hex')}` : '';
  const loadStarted = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/connections-server.ts'], {
    env: { ...process.env, CB_PORT: String(port), CB_CUSTOMERS: String(customers), CB_DATA_DIR: dataDir, CB_DATABASE_URL: dialect === 'postgres' ? databaseUrl : '', CB_SCHEMA: schema },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = await new Promise<{ clientId: string; clientSecret: string }>((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => l.startsWith('CONNECTIONS_BENCH_READY '));
      if (line) resolve(JSON.parse(line.slice('CONNECTIONS_BENCH_READY '.length)) as { clientId: string; clientSecret: string });
    });
    child.on('exit', (code) => reject(new Error(`connections bench server exited with ${code}`)));
  });
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const base = `http://127.0.0.1:${port}`;
  const authorization = `Basic ${Buffer.from(`${ready.clientId}:${ready.clientSecret}`).toString('base64')}`;
  const wrk = { connections: 32, threads: 2, durationSeconds: SECONDS, headers: { authorization } };

  await runWrk({ ...wrk, durationSeconds: 1, url: `${base}/bench/authenticated-empty` }); // warm-up
  const empty = await runWrk({ ...wrk, url: `${base}/bench/authenticated-empty` });
  // Uniform over every customer (mostly cold reads at 100k), and over a hot set of 1,000 (the
  // customers signing in right now), which the per-account view cache serves.
  const getOne = await runWrk({ ...wrk, url: `${base}${PREFIX}/`, script: path.join('bench', 'wrk', 'random-customer.lua'), scriptArgs: [`${PREFIX}/`, String(customers)] });
  const getHot = await runWrk({ ...wrk, url: `${base}${PREFIX}/`, script: path.join('bench', 'wrk', 'random-customer.lua'), scriptArgs: [`${PREFIX}/`, String(Math.min(1000, customers))] });

  // List pages at three depths; customer ids sort as strings, so pick cursors from that order.
  const sortedIds = Array.from({ length: customers }, (_, i) => `customer${i + 1}.example`).sort();
  const pageAt = async (cursor: string | undefined) => {
    const times: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t = performance.now();
      const res = await fetch(`${base}${PREFIX}?limit=50${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization } });
      await res.text();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
  };
  const pages = {
    first: await pageAt(undefined),
    middle: await pageAt(encodeCursor(sortedIds[Math.floor(customers / 2)]!)),
    last: await pageAt(encodeCursor(sortedIds[customers - 30]!)),
  };

  let databaseBytes: number;
  if (dialect === 'sqlite') databaseBytes = directorySize(dataDir);
  else {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ bytes: string }>(
      "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'",
      [schema],
    );
    databaseBytes = Number(rows[0]!.bytes);
    await client.query('SET client_min_messages = warning');
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  fs.rmSync(dataDir, { recursive: true, force: true });
  return {
    dialect,
    customers,
    appConnections: customers * 2,
    loadSeconds,
    databaseMiB: databaseBytes / 1024 / 1024,
    emptyRoute: { requestsPerSecond: empty.requestsPerSecond, p50Ms: empty.p50Ms, p99Ms: empty.p99Ms, errors: empty.statusErrors },
    getCustomer: { requestsPerSecond: getOne.requestsPerSecond, p50Ms: getOne.p50Ms, p99Ms: getOne.p99Ms, errors: getOne.statusErrors },
    ratio: getOne.requestsPerSecond / empty.requestsPerSecond,
    getHotCustomer: { requestsPerSecond: getHot.requestsPerSecond, p50Ms: getHot.p50Ms, p99Ms: getHot.p99Ms, errors: getHot.statusErrors },
    hotRatio: getHot.requestsPerSecond / empty.requestsPerSecond,
    pages,
  };
}

async function main(): Promise<void> {
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  for (const dialect of ['sqlite', 'postgres'] as const) {
    for (const size of SIZES) process.stdout.write(`${JSON.stringify(await measure(dialect, size, databaseUrl))}\n`);
  }
}

runBench(main);
