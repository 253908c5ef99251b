/**
 * Full SP-initiated logins per second: initsso → (scripted IdP signs a response) → ACS → token
 * exchange, against the real server in a child process, on SQLite and PostgreSQL; and the same
 * for delivery to a SAML app (which adds our signature). Prints JSON lines on stdout.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import pg from 'pg';
import { buildSignedResponse } from '../src/saml/response-builder.js';
import { freePort } from './lib/processes.js';
import { runBench } from './lib/script.js';

interface Ready {
  pid: number;
  accountId: string;
  restSaasid: string;
  samlSaasid: string;
  clientId: string;
  clientSecret: string;
  idpPrivateKeyPem: string;
  idpCertificatePem: string;
}

const DURATION_MS = Number(process.env.SSO_BENCH_SECONDS ?? 8) * 1000;
const CONCURRENCY = Number(process.env.SSO_BENCH_CONCURRENCY ?? 8);

async function startServer(dialect: 'sqlite' | 'postgres', databaseUrl: string) {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-sso-bench-'));
  const schema = dialect === 'postgres' ? `sso_bench_${randomBytes(4).toString('hex')}` : '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/sso-server.ts'], {
    env: { ...process.env, SSO_BENCH_PORT: String(port), SSO_BENCH_DATA_DIR: dataDir, SSO_BENCH_DATABASE_URL: dialect === 'postgres' ? databaseUrl : '', SSO_BENCH_SCHEMA: schema },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => l.startsWith('SSO_BENCH_READY '));
      if (line) resolve(JSON.parse(line.slice('SSO_BENCH_READY '.length)) as Ready);
    });
    child.on('exit', (code) => reject(new Error(`sso bench server exited with ${code}`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    ready,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (schema) {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query('SET client_min_messages = warning');
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      }
    },
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

async function run(dialect: 'sqlite' | 'postgres', target: 'rest' | 'saml', databaseUrl: string) {
  const server = await startServer(dialect, databaseUrl);
  const { base, ready } = server;
  const key = { privateKeyPem: ready.idpPrivateKeyPem, certificatePem: ready.idpCertificatePem };
  const saasid = target === 'rest' ? ready.restSaasid : ready.samlSaasid;
  const basic = `Basic ${Buffer.from(`${ready.clientId}:${ready.clientSecret}`).toString('base64')}`;
  const serverMs: number[] = [];
  let idpMs = 0;
  let failures = 0;

  const login = async () => {
    let t = performance.now();
    const init = await fetch(`${base}/sso/sp/initsso?saasid=${saasid}&idpid=customer.bench`, { redirect: 'manual' });
    let spent = performance.now() - t;
    const location = new URL(init.headers.get('location') ?? '');
    const request = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest') ?? '', 'base64')).toString();
    const id = /ID="([^"]+)"/.exec(request)?.[1] ?? '';
    const idpStart = performance.now();
    const now = Date.now();
    const response = buildSignedResponse(
      {
        issuer: 'https://idp.bench.example',
        destination: `${base}/sso/sp/ACS.saml2`,
        inResponseTo: id,
        audience: `${base}/saml/sp/${ready.accountId}`,
        nameId: `user-${randomBytes(4).toString('hex')}@customer.bench`,
        nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        sessionIndex: '_s',
        authnInstant: new Date(now).toISOString(),
        authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
        attributes: { email: ['user@customer.bench'], groups: ['a', 'b'] },
        now,
        lifetimeMs: 300_000,
      },
      key,
      { signResponse: false },
    );
    idpMs += performance.now() - idpStart;
    t = performance.now();
    const acs = await fetch(`${base}/sso/sp/ACS.saml2`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ SAMLResponse: Buffer.from(response).toString('base64'), RelayState: location.searchParams.get('RelayState') ?? '' }),
      redirect: 'manual',
    });
    const page = await acs.text();
    spent += performance.now() - t;
    if (acs.status !== 200) {
      failures++;
      return;
    }
    if (target === 'rest') {
      const token = /name="tokenid" value="([^"]+)"/.exec(page)?.[1] ?? '';
      t = performance.now();
      const exchange = await fetch(`${base}/sso/TXS/2.0/1/${token}`, { headers: { authorization: basic } });
      await exchange.text();
      spent += performance.now() - t;
      if (exchange.status !== 200) {
        failures++;
        return;
      }
    } else if (!page.includes('name="SAMLResponse"')) {
      failures++;
      return;
    }
    serverMs.push(spent);
  };

  for (let i = 0; i < 20; i++) await login(); // warm-up
  serverMs.length = 0;
  idpMs = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() - started < DURATION_MS) await login();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await server.stop();
  const sorted = [...serverMs].sort((a, b) => a - b);
  return {
    dialect,
    target,
    logins: serverMs.length,
    failures,
    loginsPerSecond: serverMs.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    idpSigningMsPerLogin: idpMs / Math.max(1, serverMs.length + failures),
    concurrency: CONCURRENCY,
    seconds,
  };
}

async function main(): Promise<void> {
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  for (const dialect of ['sqlite', 'postgres'] as const) {
    for (const target of ['rest', 'saml'] as const) {
      process.stdout.write(`${JSON.stringify(await run(dialect, target, databaseUrl))}\n`);
    }
  }
}

runBench(main);
