import dns from 'node:dns';
import net from 'node:net';

/**
 * Whether an IP address is a public internet address that a metadata URL may reach.
 *
 * IPv6 is an allow-list: only global unicast (2000::/3, RFC 4291 §2.4) can be public, minus the
 * special-purpose blocks inside it. IPv4 has no such prefix, so it is every address outside the
 * IANA IPv4 Special-Purpose Address Registry (RFC 6890 and its updates), multicast and the
 * reserved 240.0.0.0/4. Blocks the registry marks "globally reachable" but that no IdP would use
 * (192.0.0.0/24's anycast entries, 2001::/23's) are refused whole: refusing too much costs an admin
 * an explicit METADATA_FETCH_ALLOW_PRIVATE; allowing too much lets the API probe a private network.
 *
 * IPv6 forms that embed an IPv4 address:
 * - IPv4-mapped (::ffff:0:0/96) and the well-known NAT64 prefix (64:ff9b::/96, RFC 6052) put the
 *   IPv4 address in a fixed place, so the embedded address is classified: ::ffff:8.8.8.8 and
 *   64:ff9b::808:808 are public, ::ffff:10.0.0.1 and 64:ff9b::7f00:1 are not. An IPv6-only host
 *   behind DNS64 reaches every IPv4-only IdP through 64:ff9b::/96, so refusing it whole would break
 *   those deployments for no gain.
 * - Every other embedding is refused outright: IPv4-compatible (::/96, deprecated by RFC 4291),
 *   local-use NAT64 (64:ff9b:1::/48, RFC 8215: the operator picks where the IPv4 address sits),
 *   6to4 (2002::/16) and Teredo (2001::/32), which tunnel to an IPv4 address through relays.
 */
export type AddressClass = { readonly public: true } | { readonly public: false; readonly range: string };

interface Range {
  readonly cidr: string;
  readonly name: string;
  /** The IPv4 address sits in the last 32 bits: classify that instead. */
  readonly embedsIpv4?: true;
}

const IPV4_SPECIAL: readonly Range[] = [
  { cidr: '0.0.0.0/8', name: '"this network", RFC 791' },
  { cidr: '10.0.0.0/8', name: 'private, RFC 1918' },
  { cidr: '100.64.0.0/10', name: 'shared address space, CGNAT, RFC 6598' },
  { cidr: '127.0.0.0/8', name: 'loopback, RFC 1122' },
  { cidr: '169.254.0.0/16', name: 'link-local, cloud metadata services, RFC 3927' },
  { cidr: '172.16.0.0/12', name: 'private, RFC 1918' },
  { cidr: '192.0.0.0/24', name: 'IETF protocol assignments, RFC 6890' },
  { cidr: '192.0.2.0/24', name: 'documentation, TEST-NET-1, RFC 5737' },
  { cidr: '192.88.99.0/24', name: '6to4 relay anycast, deprecated, RFC 7526' },
  { cidr: '192.168.0.0/16', name: 'private, RFC 1918' },
  { cidr: '198.18.0.0/15', name: 'benchmarking, RFC 2544' },
  { cidr: '198.51.100.0/24', name: 'documentation, TEST-NET-2, RFC 5737' },
  { cidr: '203.0.113.0/24', name: 'documentation, TEST-NET-3, RFC 5737' },
  { cidr: '224.0.0.0/4', name: 'multicast, RFC 5771' },
  { cidr: '255.255.255.255/32', name: 'limited broadcast, RFC 919' },
  { cidr: '240.0.0.0/4', name: 'reserved, RFC 1112' },
];

/** Checked in order: the first match names the range. */
const IPV6_SPECIAL: readonly Range[] = [
  { cidr: '::/128', name: 'unspecified, RFC 4291' },
  { cidr: '::1/128', name: 'loopback, RFC 4291' },
  { cidr: '::ffff:0:0/96', name: 'IPv4-mapped, RFC 4291', embedsIpv4: true },
  { cidr: '64:ff9b::/96', name: 'NAT64 well-known prefix, RFC 6052', embedsIpv4: true },
  { cidr: '::/96', name: 'IPv4-compatible, deprecated, RFC 4291' },
  { cidr: '::ffff:0:0:0/96', name: 'IPv4-translated, RFC 2765' },
  { cidr: '64:ff9b:1::/48', name: 'local-use NAT64, RFC 8215' },
  { cidr: '100::/64', name: 'discard-only, RFC 6666' },
  { cidr: '2001::/32', name: 'Teredo, RFC 4380' },
  { cidr: '2001:2::/48', name: 'benchmarking, RFC 5180' },
  { cidr: '2001::/23', name: 'IETF protocol assignments, RFC 2928' },
  { cidr: '2001:db8::/32', name: 'documentation, RFC 3849' },
  { cidr: '2002::/16', name: '6to4, RFC 3056' },
  { cidr: '3fff::/20', name: 'documentation, RFC 9637' },
  { cidr: '5f00::/16', name: 'SRv6 SIDs, RFC 9602' },
  { cidr: 'fc00::/7', name: 'unique local, RFC 4193' },
  { cidr: 'fe80::/10', name: 'link-local, RFC 4291' },
  { cidr: 'fec0::/10', name: 'site-local, deprecated, RFC 3879' },
  { cidr: 'ff00::/8', name: 'multicast, RFC 4291' },
];

type Family = 'ipv4' | 'ipv6';

/** One BlockList per range, each of one family: a list holding an IPv4 rule also matches IPv4-mapped IPv6 addresses. */
function compile(ranges: readonly Range[], family: Family) {
  return ranges.map((range) => {
    const [network, prefix] = range.cidr.split('/') as [string, string];
    const list = new net.BlockList();
    list.addSubnet(network, Number(prefix), family);
    return { range, contains: (address: string) => list.check(address, family) };
  });
}

const ipv4Special = compile(IPV4_SPECIAL, 'ipv4');
const ipv6Special = compile(IPV6_SPECIAL, 'ipv6');
const globalUnicast = new net.BlockList();
globalUnicast.addSubnet('2000::', 3, 'ipv6');

/** The eight 16-bit words of a valid IPv6 address (a trailing dotted quad becomes the last two). */
function ipv6Words(address: string): number[] {
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const text = quad ? `${address.slice(0, quad.index)}${((Number(quad[1]) << 8) | Number(quad[2])).toString(16)}:${((Number(quad[3]) << 8) | Number(quad[4])).toString(16)}` : address;
  const words = (part: string) => (part === '' ? [] : part.split(':').map((word) => Number.parseInt(word, 16)));
  const [head, tail] = text.split('::') as [string, string | undefined];
  if (tail === undefined) return words(head);
  const before = words(head);
  const after = words(tail);
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
}

function embeddedIpv4(address: string): string {
  const words = ipv6Words(address);
  const high = words[6] ?? 0;
  const low = words[7] ?? 0;
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** Classifies an IP address (as net.isIP accepts it, without brackets); anything else is not public. */
export function classifyAddress(address: string): AddressClass {
  // A zone index (fe80::1%eth0) only exists for scoped, non-global addresses.
  if (address.includes('%')) return { public: false, range: 'scoped address with a zone index, RFC 4007' };
  const family = net.isIP(address);
  if (family === 4) {
    const special = ipv4Special.find((entry) => entry.contains(address));
    return special ? { public: false, range: special.range.name } : { public: true };
  }
  if (family === 6) {
    const special = ipv6Special.find((entry) => entry.contains(address));
    if (special?.range.embedsIpv4) {
      const ipv4 = embeddedIpv4(address);
      const inner = classifyAddress(ipv4);
      return inner.public ? inner : { public: false, range: `${special.range.name}: ${ipv4} is ${inner.range}` };
    }
    if (special) return { public: false, range: special.range.name };
    return globalUnicast.check(address, 'ipv6') ? { public: true } : { public: false, range: 'outside global unicast 2000::/3, RFC 4291' };
  }
  return { public: false, range: 'not an IP address' };
}

export function isPublicAddress(address: string): boolean {
  return classifyAddress(address).public;
}

/** The IP address a WHATWG URL's hostname names ([::1] → ::1), or null for a host name. */
export function addressOfUrlHost(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return net.isIP(bare) ? bare : null;
}

/**
 * A DNS lookup for outgoing connections (metadata fetches, webhook deliveries) that refuses a name
 * when any address it resolves to is not public, unless private addresses are allowed. It runs
 * inside the connection's own lookup, so the address checked is the address connected to. Every
 * address is checked (Node may try several: autoSelectFamily), and the answer keeps the shape that
 * was asked for.
 */
export function publicAddressLookup(allowPrivateAddresses: boolean): net.LookupFunction {
  return (hostname, lookupOptions, callback) =>
    dns.lookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (!allowPrivateAddresses && !addresses.every((a) => isPublicAddress(a.address))) {
        return callback(Object.assign(new Error('non-public address'), { code: 'EPRIVATE' }), []);
      }
      if (lookupOptions.all) return callback(null, addresses);
      const first = addresses[0];
      return first ? callback(null, first.address, first.family) : callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), []);
    });
}
