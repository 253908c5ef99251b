import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface LocalHttpsServer {
  port: number;
  /** https://127.0.0.1:PORT */
  origin: string;
  /** PEM file of the server's self-signed certificate (valid for 127.0.0.1, ::1 and localhost). */
  caFile: string;
  /** Requests seen, by path. */
  hits: Map<string, number>;
  /** TLS connections that resumed an earlier session rather than making a full handshake. */
  resumedSessions(): number;
  close(): Promise<void>;
}

/**
 * An HTTPS server on 127.0.0.1 with a self-signed certificate made by openssl into a temporary
 * folder. Unknown paths answer 404.
 */
export async function startLocalHttpsServer(routes: Record<string, Handler>): Promise<LocalHttpsServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-https-'));
  const keyFile = path.join(dir, 'key.pem');
  const caFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost'],
    { stdio: 'pipe' },
  );
  const hits = new Map<string, number>();
  const server = https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(caFile) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const handler = routes[url.pathname];
    if (handler) handler(req, res);
    else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  let resumed = 0;
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.isSessionReused()) resumed += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `https://127.0.0.1:${port}`,
    caFile,
    hits,
    resumedSessions: () => resumed,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Serves a fixed XML document. */
export const serveXml =
  (xml: string | (() => string), contentType = 'application/samlmetadata+xml'): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': contentType });
    res.end(typeof xml === 'function' ? xml() : xml);
  };

/** Answers only after `ms` (the answer never comes if the client gave up). */
export const slow =
  (ms: number, body: string): Handler =>
  (_req, res) => {
    const timer = setTimeout(() => res.end(body), ms);
    res.on('close', () => clearTimeout(timer));
  };

/** Sends the headers at once, then a few bytes every `everyMs`, forever. */
export const drip =
  (everyMs: number): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.write('<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x">');
    const timer = setInterval(() => res.write('<!-- . -->'), everyMs);
    res.on('close', () => clearInterval(timer));
  };

/**
 * A body without Content-Length (chunked) that never ends: only a reader that counts bytes while
 * reading stops it. `stats.bytes` is how much was written before the client hung up.
 */
export function endlessBody(stats: { bytes: number; closed: boolean }): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    const chunk = Buffer.from(`<!-- ${'x'.repeat(64 * 1024 - 9)} -->`);
    let stopped = false;
    res.on('close', () => {
      stopped = true;
      stats.closed = true;
    });
    const pump = () => {
      while (!stopped) {
        stats.bytes += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    res.write('<?xml version="1.0"?>\n');
    pump();
  };
}

/** Declares (and sends) a body of `bytes` bytes. */
export const declaredBody =
  (bytes: number): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': String(bytes) });
    res.end(Buffer.alloc(bytes, 0x20));
  };

export const redirect =
  (status: number, location: string): Handler =>
  (_req, res) => {
    res.writeHead(status, { location });
    res.end();
  };
