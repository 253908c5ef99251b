/**
 * How soon a change made on one instance shows on another sharing the database (docs/limits.md
 * promises 1 s): a Connection API secret regenerated on instance A until instance B answers 401
 * to the old one, and a customer's ssoUrl changed on A until B serves the new one. Both caches of
 * B are warm before each change, so only the change feed can make B notice. Two instances in one
 * process over one database, as test/api/authentication.test.ts runs them (which asserts that the
 * change shows, not how soon). Appends a section to docs/benchmarks.md (or $BENCH_OUTPUT).
 *
 *   node --import tsx bench/change-propagation.ts      (also run by `npm run bench`)
 *
 * Knobs: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_DIALECTS
 * (sqlite,postgres), BENCH_PROPAGATION_TRIALS (20).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Dialect } from '../src/db/database.js';
import type { TestDatabaseLocation } from '../test/helpers/databases.js';
import { accountWithCredential, curlBasic, idpCertificatePem, operatorActor, restAppInput, SP_MANAGED, startInstance } from '../test/helpers/test-app.js';
import { appendSection, runBench } from './lib/script.js';

const databaseUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const dialects = (process.env.BENCH_DIALECTS || 'sqlite,postgres').split(',').map((d) => d.trim()) as Dialect[];
const trials = Number(process.env.BENCH_PROPAGATION_TRIALS || 20);
const POLL_MS = 5;
const GIVE_UP_MS = 10_000;

/** Milliseconds until `seen()` is true, polling every POLL_MS; Infinity after GIVE_UP_MS. */
async function millisUntil(seen: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < GIVE_UP_MS) {
    if (await seen()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return Number.POSITIVE_INFINITY;
}

interface Figures {
  dialect: Dialect;
  credential: number[];
  customer: number[];
}

async function measure(dialect: Dialect): Promise<Figures> {
  const location: TestDatabaseLocation =
    dialect === 'sqlite'
      ? { dialect, dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-bench-')) }
      : { dialect, dataDir: os.tmpdir(), url: databaseUrl, schema: `bench_${randomBytes(6).toString('hex')}` };
  const a = await startInstance(location);
  const b = await startInstance(location);
  const figures: Figures = { dialect, credential: [], customer: [] };
  try {
    const client = await accountWithCredential(a.app);
    const actor = operatorActor(client.accountId);
    const app = await a.app.services.applications.createApplication(actor, restAppInput('Billing'));
    const certificate = await idpCertificatePem();
    const customer = (ssoUrl: string) => ({ entityId: 'https://idp.customer001.com/saml', ssoUrl, certificates: [certificate], applications: [app.saasid] });
    await a.app.services.customers.putCustomer(actor, 'customer001.com', customer('https://idp.customer001.com/sso/0'));
    let authorization = curlBasic(client.clientId, client.clientSecret);
    // Each trial ends on one failed authentication; a source address per trial keeps them from adding up to a throttle.
    const status = async (instance: typeof b, header: string, trial: number) =>
      (await instance.app.inject({ method: 'GET', url: `${SP_MANAGED}/customer001.com`, headers: { authorization: header }, remoteAddress: `198.51.100.${trial % 250}` })).statusCode;

    for (let i = 1; i <= trials; i++) {
      // Credential: B has verified the current secret (cached), then A regenerates it.
      if ((await status(b, authorization, i)) !== 200) throw new Error('instance B refused the current secret');
      const edited = await a.app.services.credentials.updateConnectionApiCredential(actor, client.credentialId, { generateSecret: true });
      const old = authorization;
      figures.credential.push(await millisUntil(async () => (await status(b, old, i)) === 401));
      authorization = curlBasic(client.clientId, edited.clientSecret!);

      // Customer: B has served the current ssoUrl (cached view), then A changes it.
      const read = async () => (await b.app.inject({ method: 'GET', url: `${SP_MANAGED}/customer001.com`, headers: { authorization } })).json<{ ssoUrl: string }>().ssoUrl;
      if ((await read()) !== `https://idp.customer001.com/sso/${i - 1}`) throw new Error('instance B did not serve the current customer');
      await a.app.services.customers.putCustomer(actor, 'customer001.com', customer(`https://idp.customer001.com/sso/${i}`));
      figures.customer.push(await millisUntil(async () => (await read()) === `https://idp.customer001.com/sso/${i}`));
    }
  } finally {
    await b.close();
    await a.close();
    if (dialect === 'sqlite') fs.rmSync(location.dataDir, { recursive: true, force: true });
    else {
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${location.schema}" CASCADE`);
      await admin.end();
    }
  }
  return figures;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : `> ${GIVE_UP_MS / 1000} s`);

async function main(): Promise<void> {
  const results: Figures[] = [];
  for (const dialect of dialects) {
    process.stderr.write(`[bench] change propagation on ${dialect}\n`);
    results.push(await measure(dialect));
  }
  const row = (dialect: Dialect, what: string, values: number[]) =>
    `| ${dialect} | ${what} | ${values.length} | ${ms(quantile(values, 0.5))} | ${ms(quantile(values, 0.95))} | ${ms(Math.max(...values))} | ${values.filter((v) => v > 1000).length} |`;
  const lines = [
    '',
    '## A change on one instance, seen on another',
    '',
    '**What**: a Connection API secret regenerated on instance A, until instance B refuses the old',
    "secret (401); a customer's `ssoUrl` changed on A, until B serves the new one. B's caches are warm",
    'before each change, so only the change feed (PostgreSQL LISTEN/NOTIFY; SQLite: a table polled every',
    `200 ms) can make B notice. **How**: \`bench/change-propagation.ts\`, two instances in one process over one database, B polled every ${POLL_MS} ms.`,
    'Target (docs/limits.md): within 1 s.',
    '',
    '| database | change | trials | p50 ms | p95 ms | max ms | over 1 s |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...results.flatMap((r) => [row(r.dialect, 'credential secret regenerated', r.credential), row(r.dialect, 'customer ssoUrl changed', r.customer)]),
    '',
  ];
  appendSection('change-propagation', lines);
}

runBench(main);
