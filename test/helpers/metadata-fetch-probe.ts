/**
 * Runs the product's metadata fetcher (default options: public addresses only) on each URL in
 * PROBE_URLS (a JSON array) and prints one JSON line per URL: { url, outcome } where outcome is
 * 'fetched' or the refusal's message. Meant to run only inside a network namespace without any
 * interface but loopback (test/saml/metadata-fetcher-sandbox.test.ts starts it with unshare), so
 * that a fetcher which failed to refuse an address could still not send a packet off the machine:
 * it refuses to run anywhere else.
 */
import os from 'node:os';
import { createMetadataFetcher, defaultMetadataFetcherOptions } from '../../src/domain/connections/metadata-fetcher.js';
import { AppError } from '../../src/errors.js';

const interfaces = Object.keys(os.networkInterfaces());
if (interfaces.some((name) => name !== 'lo')) {
  process.stderr.write(`metadata-fetch-probe: refusing to run outside a loopback-only network namespace (interfaces: ${interfaces.join(', ')})\n`);
  process.exit(2);
}

const urls: unknown = JSON.parse(process.env.PROBE_URLS ?? '[]');
if (!Array.isArray(urls) || !urls.every((url): url is string => typeof url === 'string')) {
  process.stderr.write('metadata-fetch-probe: PROBE_URLS must be a JSON array of strings\n');
  process.exit(2);
}

const fetchMetadata = createMetadataFetcher({ ...defaultMetadataFetcherOptions, timeoutMs: 2_000 });
for (const url of urls) {
  const outcome = await fetchMetadata(url).then(
    () => 'fetched',
    (error: unknown) => (error instanceof AppError ? error.message : `unexpected ${String(error)}`),
  );
  process.stdout.write(`${JSON.stringify({ url, outcome })}\n`);
}
