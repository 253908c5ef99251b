import https from 'node:https';
import tls from 'node:tls';
import { AppError } from '../../errors.js';
import { MAX_METADATA_BYTES } from '../../saml/idp-metadata.js';
import { addressOfUrlHost, classifyAddress, publicAddressLookup } from './public-address.js';

export interface MetadataFetcherOptions {
  timeoutMs: number;
  maxBytes: number;
  /**
   * Off by default: a metadata URL must not become a way to probe the provider's own network, so
   * only public addresses are reached (see public-address.ts for what counts as public).
   */
  allowPrivateAddresses: boolean;
  /** Extra trusted CA certificates (PEM), for IdPs behind a private CA. */
  ca?: string | undefined;
}

export const defaultMetadataFetcherOptions: MetadataFetcherOptions = { timeoutMs: 5_000, maxBytes: MAX_METADATA_BYTES, allowPrivateAddresses: false };

export type MetadataFetcher = (url: string) => Promise<string>;

const failed = (message: string) => new AppError('METADATA_FETCH_FAILED', `The metadata URL could not be used: ${message}.`, { fields: [{ field: 'metadataUrl', message }] });

/**
 * Fetches IdP metadata over HTTPS only: no redirects, a time limit for the whole exchange, a
 * size limit enforced while reading, and (by default) public addresses only — the check runs on
 * every address the name resolves to, in the lookup the connection itself uses, so DNS tricks
 * (a second answer, a rebinding) cannot slip past it.
 */
export function createMetadataFetcher(options: MetadataFetcherOptions): MetadataFetcher {
  const tlsSessions = new TlsSessionCache();
  // One TLS context for every fetch: building one per connection parses the trusted CAs again.
  // Extra CAs are added to the public roots, not put in their place.
  const secureContext = tls.createSecureContext(options.ca === undefined ? {} : { ca: [...tls.rootCertificates, options.ca] });
  return (rawUrl) =>
    new Promise<string>((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(rawUrl);
      } catch {
        return reject(failed('it is not an absolute URL'));
      }
      if (url.protocol !== 'https:') return reject(failed('it must use https://'));
      // Node skips the lookup for IP literals, so check those here. The URL parser has already
      // rewritten other spellings (2130706433, 0x7f.1, 0177.0.0.1, [::ffff:127.0.0.1]) to one form.
      const literal = addressOfUrlHost(url.hostname);
      if (literal !== null && !options.allowPrivateAddresses) {
        const host = classifyAddress(literal);
        if (!host.public) return reject(failed(`its host is not a public address (${host.range})`));
      }
      // Every address the name resolves to is checked (Node may try several: autoSelectFamily),
      // and the answer keeps the shape that was asked for. Which range a name resolved to is not
      // said: that would tell a caller about the provider's internal DNS.
      const lookup = publicAddressLookup(options.allowPrivateAddresses);
      // agent: false, so no pooled socket skips the address check above. Each connection is
      // new, but it resumes the host's last TLS session (the scheduled refresh fetches many URLs
      // of the same IdP hosts, and a full handshake is most of a fetch's CPU).
      const sessionKey = `${url.hostname}:${url.port || 443}`;
      const session = tlsSessions.get(sessionKey);
      // secureContext and session go through the request to tls.connect (Node's types omit them from RequestOptions).
      const requestOptions: https.RequestOptions & Pick<tls.ConnectionOptions, 'secureContext' | 'session'> = {
        agent: false,
        lookup,
        secureContext,
        ...(session && { session }),
        headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' },
        timeout: options.timeoutMs,
      };
      const request = https.get(url, requestOptions, (response) => {
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
      request.on('socket', (socket) => socket.on('session', (ticket: Buffer) => tlsSessions.set(sessionKey, ticket)));
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
        // One message for both: telling them apart would let API callers map internal DNS names.
        if (error.code === 'EPRIVATE' || error.code === 'ENOTFOUND') return reject(failed('its host name does not resolve to a public address'));
        if (error.code === 'ECONNREFUSED') return reject(failed('the server refused the connection'));
        if (error.code?.startsWith('ERR_TLS') || error.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || error.code === 'SELF_SIGNED_CERT_IN_CHAIN' || error.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || error.code === 'CERT_HAS_EXPIRED') {
          return reject(failed('its TLS certificate is not trusted'));
        }
        reject(failed('the connection failed'));
      });
    });
}

/** The last TLS session of each host, for resumption; bounded, oldest host out first. */
class TlsSessionCache {
  private readonly sessions = new Map<string, Buffer>();

  constructor(private readonly maxHosts = 256) {}

  get(host: string): Buffer | undefined {
    return this.sessions.get(host);
  }

  set(host: string, session: Buffer): void {
    this.sessions.delete(host);
    this.sessions.set(host, session);
    if (this.sessions.size > this.maxHosts) this.sessions.delete(this.sessions.keys().next().value!);
  }
}
