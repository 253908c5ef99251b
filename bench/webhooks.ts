/**
 * Webhook delivery: 10,000 events delivered by the real delivery job (bench/webhooks-server.ts) to
 * a local HTTPS receiver in this process that verifies every delivery with the `standardwebhooks`
 * package, as a provider's backend would.
 * 1. The API's req/s (wrk, `GET …/spManaged/{idpId}`) with no delivery pending.
 * 2. A backlog: 10,000 events recorded with the job stopped, then the job started with wrk beside
 *    it: delivery throughput, and the API's req/s while they are delivered.
 * 3. Live: 10,000 events recorded at a steady rate with the job running: commit → receipt
 *    latency (p50, p99, max) and throughput.
 * Prints the section; `--append` also appends it to docs/benchmarks.md.
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { describeMachine } from './lib/machine.js';
import { freePort, killChildren, stopProcess, track, waitForLine } from './lib/processes.js';
import { appendSection, runBench } from './lib/script.js';
import { requireWrk, runWrk, type WrkResult } from './lib/wrk.js';

const EVENTS = Number(process.env.WH_EVENTS ?? 10_000);
/** Customers the events are spread over: deliveries of one customer go one at a time, in order. */
const CUSTOMERS = Number(process.env.WH_CUSTOMERS ?? 100);
/** Events recorded per second in the live phase: under the default delivery pace (WEBHOOK_MAX_DELIVERIES_PER_SECOND, 100). */
const LIVE_RATE = Number(process.env.WH_LIVE_RATE ?? 80);
const WRK_SECONDS = Number(process.env.WH_WRK_SECONDS ?? 10);
/** wrk beside the backlog: shorter than the drain takes, so every second of it has deliveries running. */
const BUSY_WRK_SECONDS = Number(process.env.WH_BUSY_WRK_SECONDS ?? 4);
const CONNECTIONS = 16;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

interface Receiver {
  port: number;
  caFile: string;
  /** First receipt time (epoch ms) of each webhook-id. */
  firstReceipt: Map<string, number>;
  deliveries: number;
  rejected: number;
  setSecret(secret: string): void;
  close(): void;
}

async function startReceiver(dir: string): Promise<Receiver> {
  const keyFile = path.join(dir, 'key.pem');
  const caFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
  let verifier: Webhook | undefined;
  const receiver = { firstReceipt: new Map<string, number>(), deliveries: 0, rejected: 0 };
  const server = https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(caFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      try {
        verifier!.verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>);
      } catch {
        receiver.rejected++;
        return void res.writeHead(400).end();
      }
      const id = String(req.headers['webhook-id']);
      receiver.deliveries++;
      if (!receiver.firstReceipt.has(id)) receiver.firstReceipt.set(id, at);
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  return Object.assign(receiver, {
    port,
    caFile,
    setSecret: (secret: string) => void (verifier = new Webhook(secret)),
    close: () => void server.close(),
  });
}

function post<T>(port: number, route: string, body: unknown = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: route, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text) as T) : reject(new Error(`${route} answered ${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function waitForAll(receiver: Receiver, ids: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (ids.some((id) => !receiver.firstReceipt.has(id))) {
    if (Date.now() > deadline) throw new Error(`${ids.filter((id) => !receiver.firstReceipt.has(id)).length} events not delivered within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main(): Promise<void> {
  const wrkVersion = requireWrk();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-bench-webhooks-'));
  try {
    const receiver = await startReceiver(dataDir);
    const port = await freePort();
    const loadBefore = os.loadavg();
    const child = track(
      spawn(process.execPath, ['--import', 'tsx', 'bench/webhooks-server.ts'], {
        env: { ...process.env, WH_PORT: String(port), WH_DATA_DIR: dataDir, WH_CA_FILE: receiver.caFile, WH_RECEIVER_URL: `https://127.0.0.1:${receiver.port}/hooks` },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const ready = JSON.parse(await waitForLine(child, 'WEBHOOKS_BENCH_READY ', 120_000)) as { clientId: string; clientSecret: string; secret: string; dialect: string };
    receiver.setSecret(ready.secret);
    const wrk = (seconds: number) =>
      runWrk({
        url: `http://127.0.0.1:${port}/web-portal/rest/saas/idp/2.0/spManaged/customer1.example`,
        connections: CONNECTIONS,
        threads: 2,
        durationSeconds: seconds,
        headers: { authorization: `Basic ${Buffer.from(`${ready.clientId}:${ready.clientSecret}`).toString('base64')}` },
      });

    // 1. Nothing pending.
    await wrk(3); // warm-up: JIT, caches
    const idle = await wrk(WRK_SECONDS);

    // 2. A backlog of EVENTS, delivered while wrk runs.
    const backlog = await post<{ committed: { id: string; at: number }[]; seconds: number }>(port, '/bench/record', { count: EVENTS, perSecond: 0, customers: CUSTOMERS, run: 'backlog' });
    const drainStarted = Date.now();
    await post(port, '/bench/worker/start');
    const busy = await wrk(BUSY_WRK_SECONDS);
    const deliveredDuringWrk = backlog.committed.filter((e) => (receiver.firstReceipt.get(e.id) ?? Infinity) <= drainStarted + busy.durationSeconds * 1000).length;
    await waitForAll(
      receiver,
      backlog.committed.map((e) => e.id),
      600_000,
    );
    const drainSeconds = (Math.max(...backlog.committed.map((e) => receiver.firstReceipt.get(e.id)!)) - drainStarted) / 1000;

    // 3. Live: EVENTS at LIVE_RATE per second, the job running.
    const live = await post<{ committed: { id: string; at: number }[]; seconds: number }>(port, '/bench/record', { count: EVENTS, perSecond: LIVE_RATE, customers: CUSTOMERS, run: 'live' });
    await waitForAll(
      receiver,
      live.committed.map((e) => e.id),
      600_000,
    );
    const latencies = live.committed.map((e) => receiver.firstReceipt.get(e.id)! - e.at).sort((a, b) => a - b);
    const liveSeconds = (Math.max(...live.committed.map((e) => receiver.firstReceipt.get(e.id)!)) - live.committed[0]!.at) / 1000;
    const loadAfter = os.loadavg();
    await post(port, '/bench/worker/stop');
    await stopProcess(child);
    receiver.close();

    const machine = describeMachine(wrkVersion, undefined);
    const row = (label: string, r: WrkResult) => `| ${label} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.statusErrors + r.socketErrors} |`;
    appendOrPrint([
      '',
      '## Webhook delivery',
      '',
      `**What**: ${EVENTS.toLocaleString('en-US')} events (spread over ${CUSTOMERS} customers; deliveries of one customer go one at a time, in order) delivered by the real`,
      'delivery job (`services.webhooks.deliverDue()` as src/jobs.ts runs it: up to 32 attempts in flight, due deliveries claimed by lease as slots free up; wait 200 ms when none is due)',
      'to one endpoint, a local HTTPS receiver (kept-alive connections) that verifies every delivery with the `standardwebhooks` package and answers 204. Each event is',
      `recorded in its own transaction as a change records it (the outbox queues its delivery). The API's req/s is wrk (${CONNECTIONS} connections, 2 threads, ${WRK_SECONDS} s, ${BUSY_WRK_SECONDS} s beside the backlog) on`,
      "`GET …/spManaged/{idpId}`, first with nothing pending, then while a backlog is delivered. **How**: `bench/webhooks.ts` (server in one process, receiver and",
      `wrk beside it, ${ready.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}).`,
      '',
      `Machine: ${machine.cpus} CPUs (nproc), ${machine.cpuModel}, Node ${machine.node}, ${machine.wrk}; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before`,
      `and ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after (server, receiver and wrk share the ${machine.cpus} CPUs; the machine may have run other work too).`,
      '',
      `Backlog: ${EVENTS.toLocaleString('en-US')} events recorded in ${backlog.seconds.toFixed(1)} s (${(EVENTS / backlog.seconds).toFixed(0)} per second, with the job stopped), then delivered in`,
      `${drainSeconds.toFixed(1)} s: **${(EVENTS / drainSeconds).toFixed(0)} deliveries per second**; ${deliveredDuringWrk.toLocaleString('en-US')} of them during the ${busy.durationSeconds.toFixed(1)} s of wrk below`,
      drainSeconds > busy.durationSeconds ? '(the backlog outlasted the wrk run: deliveries ran all through it).' : '(**the backlog was delivered before wrk ended**: part of that run had nothing pending).',
      '',
      '| `GET …/spManaged/{idpId}` | req/s | p50 ms | p99 ms | errors |',
      '| --- | --- | --- | --- | --- |',
      row('no delivery pending', idle),
      row('while the backlog is delivered', busy),
      '',
      `The API keeps ${((busy.requestsPerSecond / idle.requestsPerSecond) * 100).toFixed(0)} % of its req/s while deliveries run (they share the server's CPU).`,
      '',
      `Live: ${EVENTS.toLocaleString('en-US')} events recorded at ${LIVE_RATE} per second with the job running, all received in ${liveSeconds.toFixed(1)} s (${(EVENTS / liveSeconds).toFixed(0)} per second).`,
      `Commit → receipt (the receiver's first receipt of each webhook-id after its transaction committed): p50 ${percentile(latencies, 50)} ms, **p99 ${percentile(latencies, 99)} ms**,`,
      `max ${latencies.at(-1)} ms. Receiver, both runs: ${receiver.deliveries.toLocaleString('en-US')} deliveries for ${receiver.firstReceipt.size.toLocaleString('en-US')} event ids (${receiver.deliveries - receiver.firstReceipt.size} duplicates), ${receiver.rejected} refused by the verifier.`,
      ...(loadBefore[0]! > 0.5
        ? ['', `**Not conclusive**: the machine was already busy when the run started (1-minute load average ${loadBefore[0]!.toFixed(2)} on ${machine.cpus} CPUs).`]
        : []),
      '',
    ]);
  } finally {
    killChildren();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function appendOrPrint(lines: string[]): void {
  if (process.argv.includes('--append')) appendSection('webhook delivery', lines);
  else process.stdout.write(`${lines.join('\n')}\n`);
}

runBench(main);
