import { describe, expect, it } from 'vitest';
import { AddressMatcher, parseCidr } from './cidr.js';
import type { Cidr } from './cidr.js';

const matcher = (...texts: string[]) => new AddressMatcher(texts.map((text) => parseCidr(text) as Cidr));

describe('CIDR', () => {
  it('parses IPv4, IPv6 and bare addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('2001:db8::/32')).toEqual({ address: '2001:db8::', prefix: 32, family: 'ipv6' });
    expect(parseCidr('192.168.1.7')).toEqual({ address: '192.168.1.7', prefix: 32, family: 'ipv4' });
  });

  it('refuses malformed CIDRs', () => {
    for (const bad of ['10.0.0.0/33', '2001:db8::/129', '10.0.0/8', 'localhost', '10.0.0.0/', '10.0.0.0/x']) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
  });

  it('matches IPv4 and IPv6 clients, including IPv4-mapped IPv6', () => {
    const office = matcher('10.0.0.0/8', '2001:db8::/32');
    expect(office.matches('10.1.2.3')).toBe(true);
    expect(office.matches('11.1.2.3')).toBe(false);
    expect(office.matches('2001:db8:1::5')).toBe(true);
    expect(office.matches('2001:db9::5')).toBe(false);
    expect(office.matches('::ffff:10.9.9.9')).toBe(true);
    expect(office.matches(undefined)).toBe(false);
    expect(office.matches('not-an-address')).toBe(false);
  });
});
