import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createMetadataFetcher, defaultMetadataFetcherOptions, isPrivateAddress, type MetadataFetcher } from '../../src/domain/connections/metadata-fetcher.js';
import { drip, endlessBody, serveXml, startLocalHttpsServer, type LocalHttpsServer } from '../helpers/local-https.js';
import { metadataFixture } from '../helpers/metadata-fixtures.js';

describe('isPrivateAddress', () => {
  it.each([
    // IPv4: unspecified, RFC 1918, CGNAT, loopback, link-local (cloud metadata endpoints)
    '0.0.0.0',
    '0.1.2.3',
    '10.0.0.1',
    '10.255.255.255',
    '100.64.0.1',
    '100.127.255.254',
    '127.0.0.1',
    '127.1.2.3',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '192.168.255.255',
    // IPv6: unspecified, loopback (also written out in full), unique-local, link-local
    '::',
    '::1',
    '0:0:0:0:0:0:0:1',
    '0000:0000:0000:0000:0000:0000:0000:0001',
    'fc00::1',
    'fd12:3456:789a::1',
    'fe80::1',
    'FE80::abcd',
    'febf:ffff::1',
    // IPv4-mapped IPv6, dotted and hex forms (the URL parser rewrites [::ffff:127.0.0.1] to [::ffff:7f00:1])
    '::ffff:127.0.0.1',
    '::FFFF:10.1.2.3',
    '::ffff:192.168.1.1',
    '::ffff:169.254.169.254',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '0:0:0:0:0:ffff:7f00:1',
  ])('%s is private', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '169.253.255.255',
    '169.255.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.167.255.255',
    '192.169.0.0',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    'fbff::1',
    '::2',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '::ffff:1.1.1.1',
  ])('%s is public', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});

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

  it('refuses a host name that resolves to a loopback address when private addresses are not allowed, without connecting', async () => {
    const before = server.hits.get('/okta.xml') ?? 0;
    // No `ca` here: Node's global agent keeps connections alive, and its pool key includes the TLS
    // options but not the lookup, so a connection left by the test above must not be reused.
    const error = await failure(fetcher({ allowPrivateAddresses: false, ca: undefined })(`https://localhost:${server.port}/okta.xml`));
    expect(error.message).toMatch(/private or loopback address/);
    expect(server.hits.get('/okta.xml') ?? 0).toBe(before);
  });

  it.each(['https://127.0.0.1:1/x', 'https://[::1]:1/x', 'https://[::ffff:127.0.0.1]:1/x', 'https://[::ffff:a9fe:a9fe]/latest/meta-data/', 'https://169.254.169.254/latest/meta-data/', 'https://0.0.0.0:1/x', 'https://2130706433:1/x', 'https://0x7f.1:1/x'])(
    'refuses %s when private addresses are not allowed',
    async (url) => {
      const error = await failure(fetcher({ allowPrivateAddresses: false })(url));
      expect(error.message).toMatch(/private or loopback address/);
    },
  );

  it('enforces the time limit on the whole exchange, not only between packets', async () => {
    const started = performance.now();
    const error = await failure(fetcher()(`${server.origin}/drip`));
    expect(error.message).toMatch(/within 0\.5 s/);
    expect(performance.now() - started).toBeLessThan(2000);
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
