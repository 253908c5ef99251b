import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';

/** One delivery as the receiver saw it, after a Standard Webhooks verifier accepted it. */
export interface ReceivedWebhook {
  id: string;
  timestamp: number;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
}

export type ReceiverMode = 'ok' | 'unavailable' | 'redirect' | 'hang';

export interface WebhookReceiver {
  /** https://127.0.0.1:PORT/hook */
  url: string;
  /** PEM of the receiver's self-signed certificate (WEBHOOK_CA_FILE). */
  caFile: string;
  /** Verified deliveries, in the order they arrived (duplicates included). */
  received: ReceivedWebhook[];
  /** Requests the verifier refused. */
  rejected: string[];
  /** Highest number of requests for one webhook-id in flight at once. */
  maxConcurrentPerId(): number;
  mode: ReceiverMode;
  /** Stop listening: senders get "connection refused" until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real HTTPS webhook receiver (self-signed certificate made by openssl) that checks every
 * delivery with the `standardwebhooks` package's verifier, as a provider's backend would.
 * `now()` is the time the verifier compares webhook-timestamp with (a test's clock).
 */
export async function startWebhookReceiver(options: { secret: () => string; now?: () => number; holdMs?: number }): Promise<WebhookReceiver> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-webhooks-'));
  const keyFile = path.join(dir, 'key.pem');
  const caFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { stdio: 'pipe' },
  );
  const received: ReceivedWebhook[] = [];
  const rejected: string[] = [];
  const inFlight = new Map<string, number>();
  let maxConcurrent = 0;
  const receiver = {
    mode: 'ok' as ReceiverMode,
  };
  const server = https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(caFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? '');
      const current = (inFlight.get(id) ?? 0) + 1;
      inFlight.set(id, current);
      maxConcurrent = Math.max(maxConcurrent, current);
      const answer = () => {
        inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
        if (receiver.mode === 'hang') return;
        if (receiver.mode === 'unavailable') return void res.writeHead(503).end('try later');
        if (receiver.mode === 'redirect') return void res.writeHead(302, { location: 'https://127.0.0.1/elsewhere' }).end();
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          const headers = { 'webhook-id': id, 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
          const payload = verifyAt(options.now?.() ?? Date.now(), () => new Webhook(options.secret()).verify(body, headers)) as ReceivedWebhook['payload'];
          received.push({ id, timestamp: Number(headers['webhook-timestamp']), payload });
          res.writeHead(204).end();
        } catch (error) {
          rejected.push(`${id}: ${(error as Error).message}`);
          res.writeHead(400).end();
        }
      };
      if (options.holdMs) setTimeout(answer, options.holdMs);
      else answer();
    });
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stop = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return Object.assign(receiver, {
    url: `https://127.0.0.1:${port}/hook`,
    caFile,
    received,
    rejected,
    maxConcurrentPerId: () => maxConcurrent,
    stop,
    start: () => listen(port),
    async close() {
      if (server.listening) await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
}

/**
 * The verifier compares webhook-timestamp with Date.now() (5 minutes' tolerance); a test that
 * moves its clock by hours verifies at the clock's time. Synchronous, so nothing else runs meanwhile.
 */
function verifyAt<T>(now: number, verify: () => T): T {
  const realNow = Date.now;
  Date.now = () => now;
  try {
    return verify();
  } finally {
    Date.now = realNow;
  }
}
