// Which IP addresses an outbound fetch may connect to (the SSRF guard of safe-fetch.ts).
//
// A relying party chooses the realm we fetch, so without this guard anyone could make the
// provider send requests to its own loopback services, the private network behind it, or the
// cloud metadata endpoint (169.254.169.254, fd00:ec2::254, 100.100.100.200), and read the answer
// back through the consent page's verdict. Only globally routable unicast addresses pass:
//   - IPv4: everything outside the special-purpose blocks below (IANA IPv4 Special-Purpose
//     Address Registry, RFC 6890) plus multicast, the "future use" block and broadcast.
//   - IPv6: the global unicast block 2000::/3 only (RFC 4291 §2.4), minus its special-purpose
//     blocks; everything else (unspecified, loopback, link-local, ULA, multicast, discard...) is
//     refused.
//   - IPv6 forms that carry an IPv4 address are judged by that address: IPv4-mapped
//     (::ffff:a.b.c.d, RFC 4291 §2.5.5.2), IPv4-compatible (::a.b.c.d, deprecated, §2.5.5.1),
//     IPv4-translated (::ffff:0:a.b.c.d, RFC 2765), NAT64 (64:ff9b::/96, RFC 6052) and 6to4
//     (2002::/16, RFC 3056). The deprecated and translated forms are never dialled even when the
//     embedded address is public: nothing legitimate is reached that way.
// Pure functions, so the table is tested with vectors (test/realm/vectors/address-policy.json).

import { isIPv4, isIPv6 } from 'node:net';

export type AddressCategory =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'link_local'
  | 'unique_local'
  | 'multicast'
  | 'broadcast'
  | 'benchmarking'
  | 'documentation'
  | 'reserved'
  | 'invalid';

interface V4Rule {
  readonly base: number;
  readonly bits: number;
  readonly category: Exclude<AddressCategory, 'public' | 'invalid'>;
}

function v4(cidr: string, category: V4Rule['category']): V4Rule {
  const [address, bits] = cidr.split('/') as [string, string];
  return { base: ipv4ToNumber(address), bits: Number(bits), category };
}

// Order matters only where blocks nest (broadcast inside 240/4).
const V4_RULES: readonly V4Rule[] = [
  v4('0.0.0.0/8', 'unspecified'), // RFC 1122 §3.2.1.3 "this network"; 0.0.0.0 reaches the local host on Linux
  v4('10.0.0.0/8', 'private'), // RFC 1918
  v4('100.64.0.0/10', 'cgnat'), // RFC 6598 shared address space (also Alibaba Cloud metadata)
  v4('127.0.0.0/8', 'loopback'), // RFC 1122 §3.2.1.3
  v4('169.254.0.0/16', 'link_local'), // RFC 3927, includes the 169.254.169.254 metadata service
  v4('172.16.0.0/12', 'private'), // RFC 1918
  v4('192.0.0.0/24', 'reserved'), // RFC 6890 IETF protocol assignments
  v4('192.0.2.0/24', 'documentation'), // RFC 5737 TEST-NET-1
  v4('192.88.99.0/24', 'reserved'), // RFC 7526 deprecated 6to4 relay anycast
  v4('192.168.0.0/16', 'private'), // RFC 1918
  v4('198.18.0.0/15', 'benchmarking'), // RFC 2544
  v4('198.51.100.0/24', 'documentation'), // RFC 5737 TEST-NET-2
  v4('203.0.113.0/24', 'documentation'), // RFC 5737 TEST-NET-3
  v4('224.0.0.0/4', 'multicast'), // RFC 5771
  v4('255.255.255.255/32', 'broadcast'), // RFC 919 limited broadcast
  v4('240.0.0.0/4', 'reserved'), // RFC 1112 §4 "future use"
];

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function inV4Block(value: number, rule: V4Rule): boolean {
  const size = 2 ** (32 - rule.bits);
  return Math.floor(value / size) === Math.floor(rule.base / size);
}

function classifyV4(value: number): AddressCategory {
  for (const rule of V4_RULES) if (inV4Block(value, rule)) return rule.category;
  return 'public';
}

/** Parses a valid IPv6 text form (node:net isIPv6 already said yes) into a 128-bit integer. */
function ipv6ToBigInt(address: string): bigint {
  let text = address;
  // A trailing dotted quad stands for the last two groups (RFC 4291 §2.2, form 3).
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = ipv4ToNumber(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

interface V6Rule {
  readonly base: bigint;
  readonly bits: number;
  /** A category, or how to find and judge the IPv4 address the block embeds. */
  readonly verdict: Exclude<AddressCategory, 'public' | 'invalid'> | 'embedded_low32' | 'embedded_low32_never_public' | 'embedded_6to4' | 'public';
}

function v6(cidr: string, verdict: V6Rule['verdict']): V6Rule {
  const [address, bits] = cidr.split('/') as [string, string];
  return { base: ipv6ToBigInt(address), bits: Number(bits), verdict };
}

// First match wins, so the more specific blocks come first.
const V6_RULES: readonly V6Rule[] = [
  v6('::/128', 'unspecified'), // RFC 4291 §2.5.2
  v6('::1/128', 'loopback'), // RFC 4291 §2.5.3
  v6('::ffff:0:0/96', 'embedded_low32'), // RFC 4291 §2.5.5.2 IPv4-mapped: the socket talks IPv4
  v6('::ffff:0:0:0/96', 'embedded_low32_never_public'), // RFC 2765 IPv4-translated
  v6('::/96', 'embedded_low32_never_public'), // RFC 4291 §2.5.5.1 IPv4-compatible (deprecated)
  v6('64:ff9b:1::/48', 'private'), // RFC 8215 local-use NAT64
  v6('64:ff9b::/96', 'embedded_low32'), // RFC 6052 well-known NAT64 prefix
  v6('100::/64', 'reserved'), // RFC 6666 discard-only
  v6('2001:2::/48', 'benchmarking'), // RFC 5180
  v6('2001:db8::/32', 'documentation'), // RFC 3849
  v6('2001::/23', 'reserved'), // RFC 2928 IETF protocol assignments, Teredo (2001::/32) included
  v6('2002::/16', 'embedded_6to4'), // RFC 3056 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD
  v6('3fff::/20', 'documentation'), // RFC 9637
  v6('2000::/3', 'public'), // RFC 4291 §2.4 global unicast
  v6('fc00::/7', 'unique_local'), // RFC 4193
  v6('fe80::/10', 'link_local'), // RFC 4291 §2.5.6
  v6('fec0::/10', 'private'), // RFC 3879 deprecated site-local
  v6('ff00::/8', 'multicast'), // RFC 4291 §2.7
];

function inV6Block(value: bigint, rule: V6Rule): boolean {
  const shift = BigInt(128 - rule.bits);
  return value >> shift === rule.base >> shift;
}

function classifyV6(value: bigint): AddressCategory {
  for (const rule of V6_RULES) {
    if (!inV6Block(value, rule)) continue;
    switch (rule.verdict) {
      case 'embedded_low32':
        return classifyV4(Number(value & 0xffffffffn));
      case 'embedded_low32_never_public': {
        const embedded = classifyV4(Number(value & 0xffffffffn));
        return embedded === 'public' ? 'reserved' : embedded;
      }
      case 'embedded_6to4':
        return classifyV4(Number((value >> 80n) & 0xffffffffn));
      default:
        return rule.verdict;
    }
  }
  // Outside 2000::/3 and not one of the blocks above: not allocated as global unicast.
  return 'reserved';
}

/**
 * The category of an IP address in text form (IPv4 dotted decimal or any IPv6 text form, with or
 * without brackets or a zone index). Anything that is not an IP address is 'invalid'.
 */
export function classifyAddress(address: string): AddressCategory {
  let text = address.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  // A zone index (fe80::1%eth0) only selects the interface; the address decides.
  const zone = text.indexOf('%');
  if (zone >= 0 && isIPv6(text)) text = text.slice(0, zone);
  if (isIPv4(text)) return classifyV4(ipv4ToNumber(text));
  if (isIPv6(text)) return classifyV6(ipv6ToBigInt(text.toLowerCase()));
  return 'invalid';
}

/** Whether a fetch may connect to this address when private addresses are not allowed. */
export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public';
}
