import dns from 'node:dns';
import https from 'node:https';
import net from 'node:net';
import { AppError } from '../../errors.js';
import { MAX_METADATA_BYTES } from '../../saml/idp-metadata.js';

export interface MetadataFetcherOptions {
  timeoutMs: number;
  maxBytes: number;
  /** Off by default: a metadata URL must not become a way to probe the provider's own network. */
  allowPrivateAddresses: boolean;
  /** Extra trusted CA certificates (PEM), for IdPs behind a private CA. */
  ca?: string | undefined;
}

export const defaultMetadataFetcherOptions: MetadataFetcherOptions = { timeoutMs: 5_000, maxBytes: MAX_METADATA_BYTES, allowPrivateAddresses: false };

export type MetadataFetcher = (url: string) => Promise<string>;

const failed = (message: string) => new AppError('METADATA_FETCH_FAILED', `The metadata URL could not be used: ${message}.`, { fields: [{ field: 'metadataUrl', message }] });

/** Loopback, private, link-local, unique-local, CGNAT and unspecified ranges (IPv4 and IPv6). */
export function isPrivateAddress(address: string): boolean {
  const blocked = new net.BlockList();
  for (const [network, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
  ] as const) {
    blocked.addSubnet(network, prefix, 'ipv4');
  }
  for (const [network, prefix] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
  ] as const) {
    blocked.addSubnet(network, prefix, 'ipv6');
  }
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  return blocked.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');
}

/**
 * Fetches IdP metadata over HTTPS only: no redirects, a time limit for the whole exchange, a
 * size limit enforced while reading, and (by default) no private or loopback addresses — the
 * check runs on the address actually connected to, so DNS tricks cannot slip past it.
 */
export function createMetadataFetcher(options: MetadataFetcherOptions): MetadataFetcher {
  return (rawUrl) =>
    new Promise<string>((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(rawUrl);
      } catch {
        return reject(failed('it is not an absolute URL'));
      }
      if (url.protocol !== 'https:') return reject(failed('it must use https://'));
      // Node skips the lookup for IP literals, so check those here.
      const literal = url.hostname.replace(/^\[|\]$/g, '');
      if (net.isIP(literal) && !options.allowPrivateAddresses && isPrivateAddress(literal)) {
        return reject(failed('its host is a private or loopback address'));
      }
      // Every address the name resolves to is checked (Node may try several: autoSelectFamily),
      // and the answer keeps the shape that was asked for.
      const lookup = ((hostname: string, lookupOptions: dns.LookupOptions, callback: (...args: unknown[]) => void) =>
        dns.lookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
          if (error) return callback(error);
          if (!options.allowPrivateAddresses && addresses.some((a) => isPrivateAddress(a.address))) {
            return callback(Object.assign(new Error('private address'), { code: 'EPRIVATE' }));
          }
          if (lookupOptions.all) return callback(null, addresses);
          const first = addresses[0];
          return first ? callback(null, first.address, first.family) : callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }));
        })) as unknown as net.LookupFunction;
      // agent: false, so no pooled socket skips the address check above.
      const request = https.get(url, { agent: false, lookup, ca: options.ca, headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' }, timeout: options.timeoutMs }, (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.resume();
          return reject(failed(`it redirects (HTTP ${status}); give the final URL`));
        }
        if (status !== 200) {
          response.resume();
          return reject(failed(`the server answered HTTP ${status}`));
        }
        const declared = Number(response.headers['content-length'] ?? 0);
        if (declared > options.maxBytes) {
          request.destroy();
          return reject(failed(`it is larger than ${Math.floor(options.maxBytes / 1024)} KiB`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            request.destroy();
            reject(failed(`it is larger than ${Math.floor(options.maxBytes / 1024)} KiB`));
          } else chunks.push(chunk);
        });
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        response.on('error', () => reject(failed('the connection failed while reading')));
      });
      const deadline = setTimeout(() => {
        request.destroy();
        reject(failed(`no complete answer within ${options.timeoutMs / 1000} s`));
      }, options.timeoutMs);
      request.on('close', () => clearTimeout(deadline));
      request.on('timeout', () => {
        request.destroy();
        reject(failed(`no complete answer within ${options.timeoutMs / 1000} s`));
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPRIVATE') return reject(failed('its host resolves to a private or loopback address'));
        if (error.code === 'ENOTFOUND') return reject(failed('its host name does not resolve'));
        if (error.code === 'ECONNREFUSED') return reject(failed('the server refused the connection'));
        if (error.code?.startsWith('ERR_TLS') || error.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || error.code === 'SELF_SIGNED_CERT_IN_CHAIN' || error.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || error.code === 'CERT_HAS_EXPIRED') {
          return reject(failed('its TLS certificate is not trusted'));
        }
        reject(failed('the connection failed'));
      });
    });
}
