import { isIPv4, isIPv6 } from 'node:net';

/** Longest key kept for anything that is not an IP address (a unix socket path, a label). */
const MAX_OTHER_LENGTH = 128;

/**
 * The rate-limit key for a client address. IPv4 addresses count one by one; IPv6 addresses count
 * per prefix (a /64 by default), because one host usually owns a whole /64 and could otherwise
 * rotate through 2^64 addresses to dodge the limit. IPv4-mapped IPv6 addresses count as IPv4.
 */
export function clientAddressKey(address: string, ipv6PrefixBits = 64): string {
  let text = address.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (isIPv4(text)) return text;
  if (!isIPv6(text)) return address.slice(0, MAX_OTHER_LENGTH);
  const groups = expandIPv6(text);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  const bits = Math.max(0, Math.min(128, ipv6PrefixBits));
  const masked = groups.map((group, index) => {
    const keep = Math.max(0, Math.min(16, bits - index * 16));
    return keep === 0 ? 0 : group & ((0xffff << (16 - keep)) & 0xffff);
  });
  return `${masked.map((group) => group.toString(16)).join(':')}/${bits}`;
}

/** Eight 16-bit groups of a valid IPv6 address (checked by the caller with isIPv6). */
function expandIPv6(text: string): number[] {
  const parse = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((piece) => {
      if (!piece.includes('.')) return [Number.parseInt(piece, 16)];
      const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const gap = text.indexOf('::');
  if (gap < 0) return parse(text);
  const head = parse(text.slice(0, gap));
  const tail = parse(text.slice(gap + 2));
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}
