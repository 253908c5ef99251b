import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { addressOfUrlHost, classifyAddress, publicAddressLookup } from '../connections/public-address.js';

export interface WebhookSenderOptions {
  /** The whole exchange: connect, send, status line and the (discarded) body. */
  timeoutMs: number;
  /** Receivers answer with a status; more than this many body bytes and the connection is closed. */
  maxResponseBytes: number;
  /**
   * Off by default: an endpoint URL must not become a way to reach the provider's own network
   * (the metadata fetcher's rule, src/domain/connections/public-address.ts). WEBHOOK_ALLOW_PRIVATE
   * turns it off for receivers on a private network, and for local development.
   */
  allowPrivateAddresses: boolean;
  /** Extra trusted CA certificates (PEM), for receivers behind a private CA. */
  ca?: string | undefined;
}

export const defaultWebhookSenderOptions: WebhookSenderOptions = { timeoutMs: 10_000, maxResponseBytes: 64 * 1024, allowPrivateAddresses: false };

/** What an attempt came to: an HTTP status, or an error said in a few words (for the delivery log). */
export interface SendOutcome {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export type WebhookSender = (url: string, body: string, headers: Record<string, string>) => Promise<SendOutcome>;

/**
 * POSTs one signed delivery. No redirect is followed (a 3xx is a failed attempt: the endpoint URL
 * must be the final one), the exchange has one deadline, and (by default) only public addresses
 * are reached — checked on every address a name resolves to, in the lookup the connection uses,
 * so a second DNS answer or a rebinding cannot slip past. Connections are kept alive per host:
 * each pooled socket passed the check when it was opened.
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const lookup = publicAddressLookup(options.allowPrivateAddresses);
  const agentOptions = { keepAlive: true, maxSockets: 16, lookup };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent({
    ...agentOptions,
    ...(options.ca !== undefined && { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, options.ca] }) }),
  });

  return (rawUrl, body, headers) =>
    new Promise<SendOutcome>((resolve) => {
      const started = performance.now();
      let deadline: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (statusCode: number | null, error: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve({ statusCode, error, durationMs: Math.round(performance.now() - started) });
      };
      let url: URL;
      try {
        url = new URL(rawUrl);
      } catch {
        return finish(null, 'the URL is not valid');
      }
      // Node skips the lookup for IP literals, so those are checked here.
      const literal = addressOfUrlHost(url.hostname);
      if (literal !== null && !options.allowPrivateAddresses) {
        const host = classifyAddress(literal);
        if (!host.public) return finish(null, `refused: the host is not a public address (${host.range})`);
      }
      const secure = url.protocol === 'https:';
      const request = (secure ? https : http).request(url, {
        method: 'POST',
        agent: secure ? httpsAgent : httpAgent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'ssobridge-webhooks' },
      });
      deadline = setTimeout(() => {
        request.destroy();
        finish(null, `no complete answer within ${options.timeoutMs / 1000} s`);
      }, options.timeoutMs);
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          // The body is not kept; a receiver that keeps talking is cut off, its status still counts.
          if (size > options.maxResponseBytes) {
            response.destroy();
            finish(status, null);
          }
        });
        response.on('end', () => finish(status, null));
        response.on('error', () => finish(status, null));
        response.on('close', () => finish(status, null));
      });
      request.on('error', (error: NodeJS.ErrnoException) => finish(null, describeError(error)));
      request.end(body);
    });
}

/** A few words for the delivery log; names no internal address. */
function describeError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EPRIVATE':
      return 'refused: the host name resolves to a non-public address';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ETIMEDOUT':
      return 'connection timed out';
    default:
      if (error.code?.startsWith('ERR_TLS') || error.code?.includes('CERT')) return 'TLS certificate not trusted';
      return 'connection failed';
  }
}
