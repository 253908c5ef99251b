/**
 * OIDC applications, in one run per database (SQLite, PostgreSQL), against the real server in a
 * child process (bench/sso-server.ts), the load generator playing the browser, the customer's
 * IdP (signing each SAML response, timed apart) and the app:
 *
 * 1. Authorization code → token exchange (`POST /sso/as/token.oauth2`, client_secret_basic, PKCE
 *    verifier): codes are made first by running the authorization flow up to the code, then
 *    redeemed with CONCURRENCY; req/s, p50/p99 and the server process's own CPU time per
 *    exchange (/proc/<pid>/stat), against the one RS256 signature an exchange needs (the ID
 *    token; the access token is opaque and no refresh token is asked for), timed in this
 *    process on one core with a key of the same size (2048 bits).
 * 2. A full OIDC login (authorization request → interaction → AuthnRequest → IdP response → ACS →
 *    complete → resume → code → token exchange) next to a full REST-app login (as
 *    bench/sso-logins.ts), same concurrency, same server and database.
 *
 * Every answer is checked (a code and our state in each redirect, a token response with an ID
 * token for this client and nonce), so a broken server cannot look fast. Prints JSON lines and
 * the docs/benchmarks.md section; `--append` also appends the section there.
 */
import { spawn } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type JsonWebKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import pg from 'pg';
import { buildSignedResponse } from '../src/saml/response-builder.js';
import { generateSigningKeyPair } from '../src/saml/signing-key-pair.js';
import { freePort } from './lib/processes.js';
import { appendSection, runBench } from './lib/script.js';

interface Ready {
  pid: number;
  accountId: string;
  restSaasid: string;
  clientId: string;
  clientSecret: string;
  oidcClientId: string;
  oidcClientSecret: string;
  oidcRedirectUri: string;
  oidcIdpId: string;
  oidcIdpEntityId: string;
  idpPrivateKeyPem: string;
  idpCertificatePem: string;
}

type Dialect = 'sqlite' | 'postgres';

const LOGIN_MS = Number(process.env.OIDC_BENCH_LOGIN_SECONDS ?? 8) * 1000;
const LOGIN_ROUNDS = 4;
/** Codes are made for this long (or up to MAX_CODES): the exchange must finish within their 60 s lifetime. */
const CODE_MS = Number(process.env.OIDC_BENCH_CODE_SECONDS ?? 20) * 1000;
const MAX_CODES = Number(process.env.OIDC_BENCH_MAX_CODES ?? 5000);
const CONCURRENCY = Number(process.env.OIDC_BENCH_CONCURRENCY ?? 8);
const SIGN_MS = 2000;
const WARM_UP = 20;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux that ships Node). */
const CLOCK_TICKS = 100;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
const summary = (latencies: number[]) => {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
};

/** CPU seconds the process has used (user + system), from /proc. */
function cpuSecondsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3: utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function startServer(dialect: Dialect, databaseUrl: string) {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-oidc-bench-'));
  const schema = dialect === 'postgres' ? `oidc_bench_${randomBytes(4).toString('hex')}` : '';
  // OIDC_BENCH_SERVER_NODE_ARGS: node options for the server only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (not
  // allowed in NODE_OPTIONS) or `--import ./bench/lib/query-counter.mjs` (SQL statements per route, SQLite).
  const nodeArgs = (process.env.OIDC_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'bench/sso-server.ts'], {
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

/** A browser's cookies for one login; paths are ignored (sending a cookie to more paths changes nothing here). */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

class Broken extends Error {}
function expect(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Broken(what);
}

/** The driver's side of one server: the scripted IdP, a REST login, an OIDC login up to the code, and the exchange. */
function driver(base: string, ready: Ready) {
  const key = { privateKeyPem: ready.idpPrivateKeyPem, certificatePem: ready.idpCertificatePem };
  let idpMs = 0;
  /** The customer's IdP answers an AuthnRequest (redirect binding) with a signed assertion. */
  const idpResponse = (location: URL, issuer: string) => {
    const started = performance.now();
    const request = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest') ?? '', 'base64')).toString();
    const id = /ID="([^"]+)"/.exec(request)?.[1];
    expect(id, `no AuthnRequest at ${location.href}`);
    const now = Date.now();
    const response = buildSignedResponse(
      {
        issuer,
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
    idpMs += performance.now() - started;
    return new URLSearchParams({ SAMLResponse: Buffer.from(response).toString('base64'), RelayState: location.searchParams.get('RelayState') ?? '' });
  };

  /** Times a request: the server's time is what a login's latency adds up. */
  const timed = async (spent: { ms: number }, url: string, init: RequestInit & { jar?: CookieJar } = {}) => {
    const { jar, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (jar) headers.set('cookie', jar.header());
    const started = performance.now();
    const res = await fetch(url, { redirect: 'manual', ...rest, headers });
    const body = await res.text();
    spent.ms += performance.now() - started;
    jar?.store(res);
    return { res, body, location: res.headers.get('location') ?? '' };
  };

  const restBasic = `Basic ${Buffer.from(`${ready.clientId}:${ready.clientSecret}`).toString('base64')}`;
  /** bench/sso-logins.ts's REST login: initsso → ACS → token exchange. */
  const restLogin = async (): Promise<number> => {
    const spent = { ms: 0 };
    const init = await timed(spent, `${base}/sso/sp/initsso?saasid=${ready.restSaasid}&idpid=customer.bench`);
    expect(init.res.status === 302 && init.location, `initsso answered ${init.res.status}`);
    const form = idpResponse(new URL(init.location), 'https://idp.bench.example');
    const acs = await timed(spent, `${base}/sso/sp/ACS.saml2`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    expect(acs.res.status === 200, `ACS answered ${acs.res.status}`);
    const token = /name="tokenid" value="([^"]+)"/.exec(acs.body)?.[1];
    expect(token, 'no tokenid in the ACS page');
    const exchange = await timed(spent, `${base}/sso/TXS/2.0/1/${token}`, { headers: { authorization: restBasic } });
    expect(exchange.res.status === 200 && exchange.body.includes('user@customer.bench'), `token exchange answered ${exchange.res.status}`);
    return spent.ms;
  };

  /** The authorization code flow up to the code: what an app's user does before the app redeems it. */
  const oidcCode = async (spent: { ms: number }) => {
    const jar = new CookieJar();
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    const nonce = randomBytes(16).toString('base64url');
    const authorize = new URL(`${base}/sso/as/authorization.oauth2`);
    for (const [k, v] of Object.entries({
      client_id: ready.oidcClientId,
      redirect_uri: ready.oidcRedirectUri,
      response_type: 'code',
      scope: 'openid',
      state,
      nonce,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      idpid: ready.oidcIdpId,
    }))
      authorize.searchParams.set(k, v);
    const started = await timed(spent, authorize.href, { jar });
    expect(started.res.status === 303 && started.location.includes('/sso/as/interaction/'), `authorization answered ${started.res.status}: ${started.body.slice(0, 200)}`);
    const interaction = await timed(spent, new URL(started.location, base).href, { jar });
    expect(interaction.res.status === 302 && interaction.location, `interaction answered ${interaction.res.status}: ${interaction.body.slice(0, 200)}`);
    const form = idpResponse(new URL(interaction.location), ready.oidcIdpEntityId);
    const acs = await timed(spent, `${base}/sso/sp/ACS.saml2`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form, jar });
    expect(acs.res.status === 302 && acs.location.includes('/complete?tokenid='), `ACS answered ${acs.res.status}: ${acs.body.slice(0, 200)}`);
    const complete = await timed(spent, new URL(acs.location, base).href, { jar });
    expect(complete.res.status === 303 && complete.location, `complete answered ${complete.res.status}: ${complete.body.slice(0, 200)}`);
    const resume = await timed(spent, new URL(complete.location, base).href, { jar });
    const callback = new URL(resume.location, base);
    expect(resume.res.status === 303 && callback.href.startsWith(`${ready.oidcRedirectUri}?`), `resume answered ${resume.res.status}: ${resume.location || resume.body.slice(0, 200)}`);
    const code = callback.searchParams.get('code');
    expect(code && callback.searchParams.get('state') === state, `no code for our state in ${callback.href}`);
    return { code, verifier, nonce };
  };

  const oidcBasic = `Basic ${Buffer.from(`${encodeURIComponent(ready.oidcClientId)}:${encodeURIComponent(ready.oidcClientSecret)}`).toString('base64')}`;
  const issuer = `${base}/${ready.oidcClientId}`;
  /** Redeems a code as the app does and checks the ID token it gets (claims; its signature is checked once per run, by checkSignature). */
  const exchange = async (spent: { ms: number }, issued: { code: string; verifier: string; nonce: string }) => {
    const answer = await timed(spent, `${base}/sso/as/token.oauth2`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: oidcBasic },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: issued.code, redirect_uri: ready.oidcRedirectUri, code_verifier: issued.verifier }),
    });
    expect(answer.res.status === 200, `token endpoint answered ${answer.res.status}: ${answer.body.slice(0, 300)}`);
    const tokens = JSON.parse(answer.body) as { id_token?: string; access_token?: string; token_type?: string; refresh_token?: string };
    const [header, payload] = (tokens.id_token ?? '').split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>);
    expect(header?.alg === 'RS256' && payload, 'no RS256 ID token in the token response');
    expect(payload.iss === issuer && payload.aud === ready.oidcClientId && payload.nonce === issued.nonce && payload.email === 'user@customer.bench', 'the ID token is not for this client, nonce and user');
    expect(tokens.token_type === 'Bearer' && tokens.access_token && !tokens.access_token.includes('.'), 'no opaque bearer access token');
    return tokens;
  };

  return {
    restLogin,
    oidcCode,
    exchange,
    async oidcLogin(): Promise<number> {
      const spent = { ms: 0 };
      await exchange(spent, await oidcCode(spent));
      return spent.ms;
    },
    /** Once per run: an ID token's RS256 signature verifies with the key `/sso/as/jwks` publishes under its kid. */
    async checkSignature(): Promise<void> {
      const spent = { ms: 0 };
      const { id_token: idToken = '' } = await exchange(spent, await oidcCode(spent));
      const [header = '', payload = '', signature = ''] = idToken.split('.');
      const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid?: string };
      const jwks = (await (await fetch(`${base}/sso/as/jwks`)).json()) as { keys: (JsonWebKey & { kid?: string })[] };
      const jwk = jwks.keys.find((k) => k.kid === kid);
      expect(jwk, `no key ${kid} in /sso/as/jwks`);
      const verified = verify('sha256', Buffer.from(`${header}.${payload}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(signature, 'base64url'));
      expect(verified, 'the ID token signature does not verify with the published key');
    },
    takeIdpMs() {
      const ms = idpMs;
      idpMs = 0;
      return ms;
    },
  };
}

interface Sample {
  latencies: number[];
  seconds: number;
  serverCpuSeconds: number;
}

/** Runs `work` in CONCURRENCY loops for `ms` (or while `more` says so); collects latencies and the server's CPU time. */
async function sample(pid: number, ms: number, work: () => Promise<number>, more: () => boolean = () => true): Promise<Sample> {
  const latencies: number[] = [];
  const cpuBefore = cpuSecondsOf(pid);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() - started < ms && more()) latencies.push(await work());
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000, serverCpuSeconds: cpuSecondsOf(pid) - cpuBefore };
}

function summarize(samples: Sample[]) {
  const latencies = samples.flatMap((s) => s.latencies);
  const seconds = samples.reduce((sum, s) => sum + s.seconds, 0);
  const serverCpuSeconds = samples.reduce((sum, s) => sum + s.serverCpuSeconds, 0);
  return { count: latencies.length, seconds, perSecond: latencies.length / seconds, ...summary(latencies), serverCpuMsEach: (serverCpuSeconds * 1000) / latencies.length, serverCores: serverCpuSeconds / seconds };
}

const measure = async (pid: number, ms: number, work: () => Promise<number>, more?: () => boolean) => summarize([await sample(pid, ms, work, more)]);

/** RS256 signatures per CPU-second in this process, one core, 2048-bit key (as the accounts' keys), on an ID token's signing input. */
async function measureSignatures() {
  const pair = await generateSigningKeyPair('bench.example', Date.now());
  const key = createPrivateKey(pair.privateKeyPem);
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ sub: randomBytes(32).toString('base64url'), email: 'user@customer.bench', nonce: 'n', iss: 'http://127.0.0.1/x', aud: 'y', iat: 1, exp: 2 })).toString('base64url');
  const input = Buffer.from(`${header}.${payload}`);
  for (let i = 0; i < 50; i++) sign('sha256', input, key);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < SIGN_MS) {
    sign('sha256', input, key);
    count++;
  }
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { modulusBits: key.asymmetricKeyDetails?.modulusLength ?? 0, count, perCpuSecond: count / cpuSeconds, cpuMsEach: (cpuSeconds * 1000) / count };
}

async function run(dialect: Dialect, databaseUrl: string) {
  const server = await startServer(dialect, databaseUrl);
  try {
    const { base, ready } = server;
    const d = driver(base, ready);
    for (let i = 0; i < WARM_UP; i++) {
      await d.restLogin();
      await d.oidcLogin();
    }
    await d.checkSignature();
    d.takeIdpMs();
    // REST and OIDC logins take turns in short rounds, so other work on a shared machine weighs on both alike.
    const restSamples: Sample[] = [];
    const oidcSamples: Sample[] = [];
    let restIdpMs = 0;
    let oidcIdpMs = 0;
    for (let round = 0; round < LOGIN_ROUNDS; round++) {
      restSamples.push(await sample(ready.pid, LOGIN_MS / LOGIN_ROUNDS, d.restLogin));
      restIdpMs += d.takeIdpMs();
      oidcSamples.push(await sample(ready.pid, LOGIN_MS / LOGIN_ROUNDS, d.oidcLogin));
      oidcIdpMs += d.takeIdpMs();
    }
    const rest = summarize(restSamples);
    const oidc = summarize(oidcSamples);
    restIdpMs /= rest.count;
    oidcIdpMs /= oidc.count;

    // Codes first, as many as CODE_MS makes (at most MAX_CODES); then only the exchanges, so the server's CPU is theirs.
    const codes: { code: string; verifier: string; nonce: string }[] = [];
    const making = await measure(ready.pid, CODE_MS, async () => {
      const spent = { ms: 0 };
      codes.push(await d.oidcCode(spent));
      return spent.ms;
    }, () => codes.length < MAX_CODES - CONCURRENCY);
    const oldestCodeAt = performance.now() - making.seconds * 1000;
    let next = 0;
    const exchanges = await measure(ready.pid, Number.POSITIVE_INFINITY, async () => {
      const spent = { ms: 0 };
      await d.exchange(spent, codes[next++]!);
      return spent.ms;
    }, () => next < codes.length);
    const oldestCodeAgeSeconds = (performance.now() - oldestCodeAt) / 1000;
    return { dialect, concurrency: CONCURRENCY, rest: { ...rest, idpSigningMsEach: restIdpMs }, oidc: { ...oidc, idpSigningMsEach: oidcIdpMs }, codesMade: { count: making.count, perSecond: making.perSecond }, exchanges: { ...exchanges, oldestCodeAgeSeconds } };
  } finally {
    await server.stop();
  }
}

const n = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main(): Promise<void> {
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const dialects = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',').filter((d): d is Dialect => d === 'sqlite' || d === 'postgres');
  const loadBefore = os.loadavg();
  const startedAt = performance.now();
  const signatures = await measureSignatures();
  process.stdout.write(`${JSON.stringify({ signatures })}\n`);
  const runs = [];
  for (const dialect of dialects) {
    const result = await run(dialect, databaseUrl);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    runs.push(result);
  }
  const loadAfter = os.loadavg();
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const name = (d: Dialect) => (d === 'sqlite' ? 'SQLite' : 'PostgreSQL');
  const lines = [
    '',
    '## OIDC',
    '',
    '**What**: (1) authorization code → token exchange, `POST /sso/as/token.oauth2` with client_secret_basic and the PKCE verifier: codes',
    `are made first by running the authorization flow up to the code (for ${CODE_MS / 1000} s), then redeemed by ${CONCURRENCY} concurrent loops; the server`,
    "process's own CPU time per exchange (utime + stime from `/proc/<pid>/stat`, so the load generator on the same cores does not count) against",
    `one RS256 signature with a ${signatures.modulusBits}-bit key (\`crypto.sign('sha256', …)\`, cached KeyObject, per CPU-second in the load generator,`,
    "before the servers start): what an exchange must sign, as node-oidc-provider 9 signs the ID token only (the access token is opaque, a",
    'random value stored in `oidc_payloads`; no refresh token is asked for). (2) A full OIDC login (authorization request → interaction →',
    'AuthnRequest → the scripted IdP signs a response → ACS → complete → resume → code → token exchange) next to a full REST-app login',
    '(`bench/sso-logins.ts`\'s: initsso → ACS → token exchange), same concurrency, same server and database, each for',
    `${LOGIN_MS / 1000} s in ${LOGIN_ROUNDS} alternating rounds; latency is the sum of the server requests of one login. Every answer is checked: a code and our state in each`,
    'redirect, an RS256 ID token for this client, nonce and user. **How**: `bench/oidc.ts`, the real server (`bench/sso-server.ts`) in a child process.',
    '',
    `Machine: ${os.availableParallelism()} CPUs (${cpuModel}), Node ${process.version}, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before and`,
    `${loadAfter.map((l) => l.toFixed(2)).join(' ')} after; the server, the load generator and PostgreSQL share the cores. The run took ${n((performance.now() - startedAt) / 1000)} s.`,
    '',
    `RS256 (${signatures.modulusBits}-bit) signatures: ${n(signatures.perCpuSecond)} per CPU-second (${n(signatures.cpuMsEach * 1000)} µs each).`,
    '',
    '| database | code exchanges | exchanges/s | p50 ms | p99 ms | server CPU µs per exchange | exchanges per server CPU-second | exchange ÷ RS256 signature (CPU) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...runs.map(
      (r) =>
        `| ${name(r.dialect)} | ${n(r.exchanges.count)} | ${n(r.exchanges.perSecond)} | ${n(r.exchanges.p50Ms, 1)} | ${n(r.exchanges.p99Ms, 1)} | ${n(r.exchanges.serverCpuMsEach * 1000)} | ${n(1000 / r.exchanges.serverCpuMsEach)} | ${n(r.exchanges.serverCpuMsEach / signatures.cpuMsEach, 1)}× |`,
    ),
    '',
    '| database | login | concurrency | logins/s | p50 ms | p99 ms | server CPU ms per login | IdP signing ms/login (load generator) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...runs.flatMap((r) => [
      `| ${name(r.dialect)} | REST app (token exchange) | ${r.concurrency} | ${n(r.rest.perSecond, 1)} | ${n(r.rest.p50Ms, 1)} | ${n(r.rest.p99Ms, 1)} | ${n(r.rest.serverCpuMsEach, 2)} | ${n(r.rest.idpSigningMsEach, 1)} |`,
      `| ${name(r.dialect)} | OIDC app (code → tokens) | ${r.concurrency} | ${n(r.oidc.perSecond, 1)} | ${n(r.oidc.p50Ms, 1)} | ${n(r.oidc.p99Ms, 1)} | ${n(r.oidc.serverCpuMsEach, 2)} | ${n(r.oidc.idpSigningMsEach, 1)} |`,
      `| ${name(r.dialect)} | OIDC ÷ REST | | ${n(r.oidc.perSecond / r.rest.perSecond, 2)}× | ${n(r.oidc.p50Ms / r.rest.p50Ms, 2)}× | ${n(r.oidc.p99Ms / r.rest.p99Ms, 2)}× | ${n(r.oidc.serverCpuMsEach / r.rest.serverCpuMsEach, 2)}× | |`,
    ]),
    '',
  ];
  if (process.argv.includes('--append')) appendSection('OIDC', lines);
  else process.stdout.write(`${lines.join('\n')}\n`);
}

runBench(main);
