/**
 * Which addresses a metadata URL may reach. Pure classification: nothing here opens a socket (the
 * fetcher's own refusals of these forms are probed in test/saml/metadata-fetcher-sandbox.test.ts,
 * inside a loopback-only network namespace).
 */
import { describe, expect, it } from 'vitest';
import { addressOfUrlHost, classifyAddress } from '../../src/domain/connections/public-address.js';

/** address → the range it is refused as (a substring of the range's name). */
const REFUSED: [string, string][] = [
  // IPv4: "this network"
  ['0.0.0.0', '"this network"'],
  ['0.1.2.3', '"this network"'],
  ['0.255.255.255', '"this network"'],
  // RFC 1918
  ['10.0.0.0', 'private'],
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.0', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.0.1', 'private'],
  ['192.168.255.255', 'private'],
  // CGNAT
  ['100.64.0.0', 'CGNAT'],
  ['100.64.0.1', 'CGNAT'],
  ['100.127.255.255', 'CGNAT'],
  // loopback
  ['127.0.0.1', 'loopback'],
  ['127.1.2.3', 'loopback'],
  ['127.255.255.255', 'loopback'],
  // link-local, where cloud metadata services answer
  ['169.254.0.0', 'link-local'],
  ['169.254.169.254', 'link-local'],
  ['169.254.255.255', 'link-local'],
  // IETF protocol assignments, including the DS-Lite and NAT64 discovery addresses
  ['192.0.0.0', 'IETF protocol assignments'],
  ['192.0.0.8', 'IETF protocol assignments'],
  ['192.0.0.170', 'IETF protocol assignments'],
  ['192.0.0.255', 'IETF protocol assignments'],
  // documentation
  ['192.0.2.0', 'TEST-NET-1'],
  ['192.0.2.1', 'TEST-NET-1'],
  ['192.0.2.255', 'TEST-NET-1'],
  ['198.51.100.1', 'TEST-NET-2'],
  ['198.51.100.255', 'TEST-NET-2'],
  ['203.0.113.0', 'TEST-NET-3'],
  ['203.0.113.1', 'TEST-NET-3'],
  // deprecated 6to4 relay anycast
  ['192.88.99.1', '6to4 relay anycast'],
  // benchmarking
  ['198.18.0.0', 'benchmarking'],
  ['198.18.0.1', 'benchmarking'],
  ['198.19.255.255', 'benchmarking'],
  // multicast
  ['224.0.0.0', 'multicast'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  // reserved and broadcast
  ['240.0.0.0', 'reserved'],
  ['240.0.0.1', 'reserved'],
  ['254.255.255.255', 'reserved'],
  ['255.255.255.254', 'reserved'],
  ['255.255.255.255', 'limited broadcast'],

  // IPv6: unspecified and loopback, in every spelling
  ['::', 'unspecified'],
  ['0:0:0:0:0:0:0:0', 'unspecified'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['0000:0000:0000:0000:0000:0000:0000:0001', 'loopback'],
  // IPv4-mapped: the embedded address decides, dotted or hex, any case
  ['::ffff:127.0.0.1', 'IPv4-mapped, RFC 4291: 127.0.0.1 is loopback'],
  ['::ffff:7f00:1', 'IPv4-mapped, RFC 4291: 127.0.0.1 is loopback'],
  ['0:0:0:0:0:ffff:7f00:1', 'IPv4-mapped, RFC 4291: 127.0.0.1 is loopback'],
  ['::FFFF:10.0.0.1', 'IPv4-mapped, RFC 4291: 10.0.0.1 is private'],
  ['::ffff:a00:1', 'IPv4-mapped, RFC 4291: 10.0.0.1 is private'],
  ['::ffff:192.168.1.1', 'IPv4-mapped, RFC 4291: 192.168.1.1 is private'],
  ['::ffff:a9fe:a9fe', 'IPv4-mapped, RFC 4291: 169.254.169.254 is link-local'],
  ['::ffff:0:0', 'IPv4-mapped, RFC 4291: 0.0.0.0 is "this network"'],
  ['::ffff:6440:1', 'IPv4-mapped, RFC 4291: 100.64.0.1 is shared address space'],
  ['::ffff:e000:1', 'IPv4-mapped, RFC 4291: 224.0.0.1 is multicast'],
  ['::ffff:ffff:ffff', 'IPv4-mapped, RFC 4291: 255.255.255.255 is limited broadcast'],
  // IPv4-compatible (deprecated): refused whatever it embeds
  ['::10.0.0.1', 'IPv4-compatible'],
  ['::a00:1', 'IPv4-compatible'],
  ['::127.0.0.1', 'IPv4-compatible'],
  ['::8.8.8.8', 'IPv4-compatible'],
  ['::2', 'IPv4-compatible'],
  // IPv4-translated (SIIT)
  ['::ffff:0:7f00:1', 'IPv4-translated'],
  ['::ffff:0:808:808', 'IPv4-translated'],
  // NAT64 well-known prefix: the embedded address decides
  ['64:ff9b::7f00:1', 'NAT64 well-known prefix, RFC 6052: 127.0.0.1 is loopback'],
  ['64:ff9b::127.0.0.1', 'NAT64 well-known prefix, RFC 6052: 127.0.0.1 is loopback'],
  ['64:ff9b::a00:1', 'NAT64 well-known prefix, RFC 6052: 10.0.0.1 is private'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 well-known prefix, RFC 6052: 169.254.169.254 is link-local'],
  ['64:ff9b::c000:201', 'NAT64 well-known prefix, RFC 6052: 192.0.2.1 is documentation'],
  ['64:ff9b::ffff:ffff', 'NAT64 well-known prefix, RFC 6052: 255.255.255.255 is limited broadcast'],
  // local-use NAT64: refused whatever it embeds
  ['64:ff9b:1::1', 'local-use NAT64'],
  ['64:ff9b:1::808:808', 'local-use NAT64'],
  ['64:ff9b:1:ffff:ffff:ffff:ffff:ffff', 'local-use NAT64'],
  // discard-only
  ['100::', 'discard-only'],
  ['100::1', 'discard-only'],
  ['100::ffff:ffff:ffff:ffff', 'discard-only'],
  // Teredo, and the rest of the IETF protocol assignments block
  ['2001::', 'Teredo'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ['2001:0:ffff:ffff:ffff:ffff:ffff:ffff', 'Teredo'],
  ['2001:2::1', 'benchmarking'],
  ['2001:1::1', 'IETF protocol assignments'],
  ['2001:20::1', 'IETF protocol assignments'],
  ['2001:1ff:ffff:ffff::1', 'IETF protocol assignments'],
  // documentation
  ['2001:db8::', 'documentation'],
  ['2001:db8::1', 'documentation'],
  ['2001:DB8:FFFF:FFFF::1', 'documentation'],
  ['3fff::1', 'documentation'],
  ['3fff:fff:ffff::1', 'documentation'],
  // 6to4, whatever it embeds
  ['2002::', '6to4'],
  ['2002:7f00:1::1', '6to4'],
  ['2002:a00:1::1', '6to4'],
  ['2002:808:808::1', '6to4'],
  ['2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '6to4'],
  // unique local, link-local, site-local, multicast
  ['fc00::', 'unique local'],
  ['fc00::1', 'unique local'],
  ['fd12:3456:789a::1', 'unique local'],
  ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'unique local'],
  ['fe80::', 'link-local'],
  ['fe80::1', 'link-local'],
  ['FE80::abcd', 'link-local'],
  ['febf:ffff::1', 'link-local'],
  ['fec0::', 'site-local'],
  ['fec0::1', 'site-local'],
  ['feff:ffff::1', 'site-local'],
  ['ff00::', 'multicast'],
  ['ff02::1', 'multicast'],
  ['ff05::1:3', 'multicast'],
  ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'multicast'],
  // outside 2000::/3: never global unicast, whatever the block
  ['1::1', 'outside global unicast'],
  ['1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'outside global unicast'],
  ['4000::1', 'outside global unicast'],
  ['5f00::1', 'SRv6'],
  ['fbff::1', 'outside global unicast'],
  // a zone index only exists for scoped addresses
  ['fe80::1%eth0', 'zone index'],
  ['2606:4700::1%1', 'zone index'],
  // not an address at all
  ['localhost', 'not an IP address'],
  ['', 'not an IP address'],
  ['127.0.0.1.', 'not an IP address'],
  ['0x7f.0.0.1', 'not an IP address'],
  ['2130706433', 'not an IP address'],
];

const PUBLIC: string[] = [
  // IPv4 next to every refused block
  '1.1.1.1',
  '1.0.0.0',
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
  '191.255.255.255',
  '192.0.1.0',
  '192.0.3.0',
  '192.88.98.255',
  '192.88.100.0',
  '192.167.255.255',
  '192.169.0.0',
  '198.17.255.255',
  '198.20.0.0',
  '198.51.99.255',
  '198.51.101.0',
  '203.0.112.255',
  '203.0.114.0',
  '223.255.255.255',
  // IPv6 global unicast, next to every refused block
  '2000::',
  '2000::1',
  '2001:200::1',
  '2001:4860:4860::8888',
  '2001:db7:ffff:ffff:ffff:ffff:ffff:ffff',
  '2001:db9::',
  '2003::1',
  '2606:4700:4700::1111',
  '2a00:1450:4001:81c::200e',
  '3ffe:ffff::1',
  '3fff:1000::',
  '3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  // embedded public IPv4 where its place is fixed
  '::ffff:8.8.8.8',
  '::ffff:808:808',
  '::FFFF:1.1.1.1',
  '0:0:0:0:0:ffff:101:101',
  '64:ff9b::808:808',
  '64:ff9b::8.8.8.8',
  '64:ff9b::1.1.1.1',
];

describe('classifyAddress', () => {
  it.each(REFUSED)('refuses %s as %s', (address, range) => {
    const verdict = classifyAddress(address);
    expect(verdict.public).toBe(false);
    expect(verdict.public ? '' : verdict.range).toContain(range);
  });

  it.each(PUBLIC)('allows %s', (address) => {
    expect(classifyAddress(address)).toEqual({ public: true });
  });
});

/**
 * The fetcher reads host literals from WHATWG URLs, whose parser rewrites every IPv4 spelling and
 * IPv6 form to one canonical address before the check: these rows prove the two agree.
 */
describe('addressOfUrlHost with classifyAddress, on URLs as the fetcher receives them', () => {
  const host = (url: string) => addressOfUrlHost(new URL(url).hostname);

  it.each([
    // IPv4 spellings of loopback and private addresses: decimal, hex, octal, short forms, a trailing dot
    ['https://2130706433/', '127.0.0.1'],
    ['https://0x7f000001/', '127.0.0.1'],
    ['https://0x7f.1/', '127.0.0.1'],
    ['https://0x7f.0.0.0x1/', '127.0.0.1'],
    ['https://0177.0.0.1/', '127.0.0.1'],
    ['https://017700000001/', '127.0.0.1'],
    ['https://127.1/', '127.0.0.1'],
    ['https://127.0.0.1./', '127.0.0.1'],
    ['https://3232235521/', '192.168.0.1'],
    ['https://0xa9fea9fe/', '169.254.169.254'],
    ['https://0251.0376.0251.0376/', '169.254.169.254'],
    ['https://0/', '0.0.0.0'],
    ['https://4294967295/', '255.255.255.255'],
    ['https://100.64.1/', '100.64.0.1'],
    // bracketed IPv6, with a port and in other spellings
    ['https://[::1]:8443/', '::1'],
    ['https://[0:0:0:0:0:0:0:1]/', '::1'],
    ['https://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['https://[::FFFF:7F00:1]/', '::ffff:7f00:1'],
    ['https://[::ffff:10.0.0.1]/', '::ffff:a00:1'],
    ['https://[::10.0.0.1]/', '::a00:1'],
    ['https://[64:ff9b::127.0.0.1]/', '64:ff9b::7f00:1'],
    ['https://[64:ff9b:1::a00:1]/', '64:ff9b:1::a00:1'],
    ['https://[2002:7f00:1::]/', '2002:7f00:1::'],
    ['https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
    ['https://[ff02::1]/', 'ff02::1'],
    ['https://[fe80::1]/', 'fe80::1'],
  ])('%s names %s, which is refused', (url, address) => {
    expect(host(url)).toBe(address);
    expect(classifyAddress(address).public).toBe(false);
  });

  it.each([
    ['https://134744072/', '8.8.8.8'],
    ['https://0x08080808/', '8.8.8.8'],
    ['https://010.010.010.010/', '8.8.8.8'],
    ['https://[2606:4700:4700::1111]:443/', '2606:4700:4700::1111'],
    ['https://[64:ff9b::8.8.8.8]/', '64:ff9b::808:808'],
  ])('%s names %s, which is allowed', (url, address) => {
    expect(host(url)).toBe(address);
    expect(classifyAddress(address).public).toBe(true);
  });

  it.each(['https://idp.example.com/', 'https://localhost/', 'https://127.0.0.1.nip.io/', 'https://0x7f.example/'])('%s is a host name: the fetcher checks what it resolves to', (url) => {
    expect(host(url)).toBeNull();
  });

  it.each(['https://[fe80::1%25eth0]/', 'https://4294967296/', 'https://[::ffff:127.0.0.256]/', 'https://[1::2::3]/'])('%s is not a URL at all', (url) => {
    expect(() => new URL(url)).toThrow();
  });
});
