import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key rate limits count a client under: an IPv4 address as it is, an IPv6 address by its /64
 * (RFC 4291 §2.5.4: one interface identifier space per subnet, which a single host can rotate
 * through at will, so counting full addresses would let it evade any limit). IPv4-mapped IPv6
 * addresses (::ffff:a.b.c.d, as dual-stack listeners report IPv4 clients) count as their IPv4.
 */
export function clientAddressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail] = ip.split('%')[0]!.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail (::1.2.3.4 forms) is two groups; only the first four groups matter here.
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (g.includes('.') ? '0' : Number.parseInt(g, 16).toString(16)))
    .join(':')}::/64`;
}
