/**
 * The metadata fetcher refuses every non-public address form, end to end: URL parsing, the check
 * of IP literals, and the check of what a host name resolves to. Several of these forms route off
 * this machine (NAT64, 6to4, Teredo, IPv4-mapped public relays, multicast), so the fetcher runs in
 * a child process inside a new network namespace that has no interface but a loopback that is
 * down: if the product regressed and tried to connect, the packet could go nowhere, and the test
 * would see "the connection failed" instead of the refusal. A mount namespace gives the child its
 * own /etc/hosts, so host names resolve to these forms through the system resolver.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const LITERAL_REFUSED = /^The metadata URL could not be used: its host is not a public address \(/;
const RESOLVED_REFUSED = 'The metadata URL could not be used: its host name does not resolve to a public address.';
/** What an allowed address gets in the namespace: nothing to connect through. */
const UNREACHABLE = 'The metadata URL could not be used: the connection failed.';

/** URL → the range named in the refusal. */
const LITERALS: [string, string][] = [
  // IPv4-mapped and IPv4-compatible
  ['https://[::ffff:10.0.0.1]/', 'IPv4-mapped, RFC 4291: 10.0.0.1 is private'],
  ['https://[::ffff:7f00:1]/', 'IPv4-mapped, RFC 4291: 127.0.0.1 is loopback'],
  ['https://[::ffff:169.254.169.254]/latest/meta-data/', 'IPv4-mapped, RFC 4291: 169.254.169.254 is link-local'],
  ['https://[::10.0.0.1]/', 'IPv4-compatible'],
  ['https://[::8.8.8.8]/', 'IPv4-compatible'],
  // NAT64
  ['https://[64:ff9b::7f00:1]/', 'NAT64 well-known prefix, RFC 6052: 127.0.0.1 is loopback'],
  ['https://[64:ff9b::a9fe:a9fe]/latest/meta-data/', 'NAT64 well-known prefix, RFC 6052: 169.254.169.254 is link-local'],
  ['https://[64:ff9b::10.1.2.3]/', 'NAT64 well-known prefix, RFC 6052: 10.1.2.3 is private'],
  ['https://[64:ff9b:1::a00:1]/', 'local-use NAT64'],
  ['https://[64:ff9b:1::808:808]/', 'local-use NAT64'],
  // 6to4 and Teredo, whatever they embed
  ['https://[2002:7f00:1::1]/', '6to4'],
  ['https://[2002:808:808::1]/', '6to4'],
  ['https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'Teredo'],
  // multicast
  ['https://224.0.0.1/', 'multicast'],
  ['https://239.255.255.250/', 'multicast'],
  ['https://[ff02::1]/', 'multicast'],
  ['https://[ff05::1:3]/', 'multicast'],
  // reserved and special-purpose IPv4
  ['https://0.0.0.1/', '"this network"'],
  ['https://100.64.0.1/', 'CGNAT'],
  ['https://192.0.0.8/', 'IETF protocol assignments'],
  ['https://192.0.2.1/', 'TEST-NET-1'],
  ['https://198.18.0.1/', 'benchmarking'],
  ['https://198.51.100.1/', 'TEST-NET-2'],
  ['https://203.0.113.1/', 'TEST-NET-3'],
  ['https://240.0.0.1/', 'reserved'],
  ['https://255.255.255.255/', 'limited broadcast'],
  ['https://169.254.169.254/latest/meta-data/', 'link-local'],
  // other spellings of IPv4 addresses, rewritten by the URL parser
  ['https://0xa9fea9fe/latest/meta-data/', 'link-local'],
  ['https://0251.0376.0251.0376/latest/meta-data/', 'link-local'],
  ['https://3232235521/', 'private'],
  ['https://012.0.0.1/', 'private'],
  ['https://100.64.1/', 'CGNAT'],
  // special-purpose IPv6
  ['https://[::]/', 'unspecified'],
  ['https://[fc00::1]/', 'unique local'],
  ['https://[fd00::1]:8443/', 'unique local'],
  ['https://[fe80::1]/', 'link-local'],
  ['https://[fec0::1]/', 'site-local'],
  ['https://[2001:db8::1]/', 'documentation'],
  ['https://[100::1]/', 'discard-only'],
  ['https://[4000::1]/', 'outside global unicast'],
];

/** Host name → the addresses it resolves to in the namespace's /etc/hosts. */
const NAMES: Record<string, string[]> = {
  'mapped.probe.test': ['::ffff:10.0.0.1'],
  'compatible.probe.test': ['::10.0.0.1'],
  'nat64.probe.test': ['64:ff9b::a9fe:a9fe'],
  'nat64-local.probe.test': ['64:ff9b:1::1'],
  '6to4.probe.test': ['2002:a00:1::1'],
  'teredo.probe.test': ['2001:0:4136:e378:8000:63bf:3fff:fdd2'],
  'multicast4.probe.test': ['239.255.255.250'],
  'multicast6.probe.test': ['ff02::1'],
  'cgnat.probe.test': ['100.64.0.1'],
  'benchmarking.probe.test': ['198.18.0.1'],
  'reserved.probe.test': ['240.0.0.1'],
  'unique-local.probe.test': ['fd00::1'],
  'metadata-service.probe.test': ['169.254.169.254'],
  'documentation6.probe.test': ['2001:db8::1'],
  // One non-public answer among public ones is enough to refuse (a client may try any of them).
  'mixed.probe.test': ['8.8.8.8', '10.0.0.1'],
  'mixed6.probe.test': ['2606:4700:4700::1111', '64:ff9b::7f00:1'],
  // Controls: allowed, so they get as far as the empty network.
  'public.probe.test': ['8.8.8.8'],
  'public6.probe.test': ['2606:4700:4700::1111'],
};
const PUBLIC_NAMES = ['public.probe.test', 'public6.probe.test'];

/** Allowed literals: they prove the refusals above are the classification's, not the namespace's. */
const PUBLIC_LITERALS = ['https://8.8.8.8/', 'https://134744072/', 'https://[2606:4700:4700::1111]/', 'https://[64:ff9b::808:808]/', 'https://[::ffff:8.8.8.8]/'];

const probeUrls = [...LITERALS.map(([url]) => url), ...Object.keys(NAMES).map((name) => `https://${name}/`), ...PUBLIC_LITERALS];

/**
 * Runs test/helpers/metadata-fetch-probe.ts under `unshare --net --mount` and returns URL →
 * outcome. As root the namespaces are created directly; otherwise through a user namespace (-r).
 */
function probeInSandbox(urls: string[]): Map<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-sandbox-'));
  try {
    const hosts = path.join(dir, 'hosts');
    const lines = ['127.0.0.1 localhost', '::1 localhost', ...Object.entries(NAMES).flatMap(([name, addresses]) => addresses.map((address) => `${address} ${name}`))];
    fs.writeFileSync(hosts, `${lines.join('\n')}\n`);
    const asRoot = process.getuid?.() === 0;
    const script = 'mount --bind "$SANDBOX_HOSTS" /etc/hosts && exec "$SANDBOX_NODE" --import tsx test/helpers/metadata-fetch-probe.ts';
    const result = spawnSync('unshare', [...(asRoot ? [] : ['--map-root-user']), '--net', '--mount', '--', 'sh', '-c', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, SANDBOX_HOSTS: hosts, SANDBOX_NODE: process.execPath, PROBE_URLS: JSON.stringify(urls) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('This test needs the `unshare` command (Debian package util-linux) to run the fetcher in a loopback-only network namespace.');
    }
    if (result.status !== 0) {
      throw new Error(
        `Could not run the fetcher in a loopback-only network namespace with \`unshare --net --mount\` (needs root, or unprivileged user namespaces; exit ${result.status ?? result.signal}): ${result.stderr.trim()}`,
      );
    }
    const outcomes = new Map<string, string>();
    for (const line of result.stdout.split('\n').filter((l) => l.startsWith('{'))) {
      const { url, outcome } = JSON.parse(line) as { url: string; outcome: string };
      outcomes.set(url, outcome);
    }
    return outcomes;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('createMetadataFetcher in a loopback-only network namespace', () => {
  let outcomes: Map<string, string>;
  beforeAll(() => {
    outcomes = probeInSandbox(probeUrls);
  });

  it.each(LITERALS)('refuses %s before connecting, naming the range (%s)', (url, range) => {
    const outcome = outcomes.get(url);
    expect(outcome).toMatch(LITERAL_REFUSED);
    expect(outcome).toContain(range);
  });

  it.each(Object.keys(NAMES).filter((name) => !PUBLIC_NAMES.includes(name)))('refuses https://%s/, a host name that resolves to a non-public address, without naming it', (name) => {
    expect(outcomes.get(`https://${name}/`)).toBe(RESOLVED_REFUSED);
  });

  it.each([...PUBLIC_LITERALS, ...PUBLIC_NAMES.map((name) => `https://${name}/`)])('lets %s through to the network (which the namespace does not have)', (url) => {
    expect(outcomes.get(url)).toBe(UNREACHABLE);
  });
});
