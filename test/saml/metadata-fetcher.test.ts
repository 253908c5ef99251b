import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createMetadataFetcher, defaultMetadataFetcherOptions, type MetadataFetcher } from '../../src/domain/connections/metadata-fetcher.js';
import { drip, endlessBody, serveXml, startLocalHttpsServer, type LocalHttpsServer } from '../helpers/local-https.js';
import { metadataFixture } from '../helpers/metadata-fixtures.js';

describe('createMetadataFetcher against a local HTTPS server', () => {
  let server: LocalHttpsServer;
  let ca: string;
  const endless = { bytes: 0, closed: false };
  const okta = metadataFixture('okta.xml');
  beforeAll(async () => {
    server = await startLocalHttpsServer({ '/okta.xml': serveXml(okta), '/drip': drip(100), '/endless': endlessBody(endless) });
    ca = fs.readFileSync(server.caFile, 'utf8');
  });
  afterAll(() => server.close());

  const fetcher = (options: Partial<typeof defaultMetadataFetcherOptions> = {}): MetadataFetcher =>
    createMetadataFetcher({ ...defaultMetadataFetcherOptions, timeoutMs: 500, allowPrivateAddresses: true, ca, ...options });

  async function failure(fetch: Promise<string>): Promise<AppError> {
    const error = await fetch.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('METADATA_FETCH_FAILED');
    expect((error as AppError).fields?.[0]?.field).toBe('metadataUrl');
    return error as AppError;
  }

  it('fetches metadata from an IP-literal URL', async () => {
    await expect(fetcher()(`${server.origin}/okta.xml`)).resolves.toBe(okta);
  });

  it('fetches metadata from a URL with a host name (resolved through its own lookup)', async () => {
    // Node 20 connects with autoSelectFamily, which calls the lookup function with { all: true }
    // and expects an array of addresses back.
    await expect(fetcher()(`https://localhost:${server.port}/okta.xml`)).resolves.toBe(okta);
  });

  it('resumes the TLS session of a host it fetched from before, on a new connection each time', async () => {
    const fetch = fetcher();
    const before = server.resumedSessions();
    await expect(fetch(`${server.origin}/okta.xml`)).resolves.toBe(okta);
    await expect(fetch(`${server.origin}/okta.xml`)).resolves.toBe(okta);
    await expect(fetch(`${server.origin}/okta.xml`)).resolves.toBe(okta);
    expect(server.resumedSessions() - before).toBe(2);
  });

  it('refuses a host name that resolves to a loopback address when private addresses are not allowed, without connecting', async () => {
    const before = server.hits.get('/okta.xml') ?? 0;
    // No `ca` here: Node's global agent keeps connections alive, and its pool key includes the TLS
    // options but not the lookup, so a connection left by the test above must not be reused.
    const error = await failure(fetcher({ allowPrivateAddresses: false, ca: undefined })(`https://localhost:${server.port}/okta.xml`));
    expect(error.message).toMatch(/its host name does not resolve to a public address/);
    expect(server.hits.get('/okta.xml') ?? 0).toBe(before);
  });

  // Only addresses of this machine here: forms that could route elsewhere are probed in
  // metadata-fetcher-sandbox.test.ts, inside a network namespace without a network.
  it.each([
    ['https://127.0.0.1:1/x', 'loopback'],
    ['https://[::1]:1/x', 'loopback'],
    ['https://[::ffff:127.0.0.1]:1/x', 'IPv4-mapped, RFC 4291: 127.0.0.1 is loopback'],
    ['https://0.0.0.0:1/x', '"this network"'],
    ['https://2130706433:1/x', 'loopback'],
    ['https://0x7f.1:1/x', 'loopback'],
  ])('refuses %s when private addresses are not allowed, naming the range', async (url, range) => {
    const error = await failure(fetcher({ allowPrivateAddresses: false })(url));
    expect(error.message).toMatch(/its host is not a public address/);
    expect(error.message).toContain(range);
  });

  it('enforces the time limit on the whole exchange, not only between packets', async () => {
    // The server sends a few bytes every 100 ms forever: only a limit on the whole exchange ends it.
    const error = await failure(fetcher()(`${server.origin}/drip`));
    expect(error.message).toMatch(/within 0\.5 s/);
  });

  it('stops reading an endless body without Content-Length at the size limit', async () => {
    const error = await failure(fetcher({ timeoutMs: 10_000 })(`${server.origin}/endless`));
    expect(error.message).toMatch(/larger than 1024 KiB/);
    await expect.poll(() => endless.closed).toBe(true);
  });

  it.each([
    ['not a URL', 'metadata.xml', /absolute URL/],
    ['http', `http://127.0.0.1:${1}/okta.xml`, /https/],
    ['ftp', 'ftp://idp.example.com/metadata.xml', /https/],
  ])('refuses %s before connecting', async (_name, url, message) => {
    expect((await failure(fetcher()(url))).message).toMatch(message);
  });
});
