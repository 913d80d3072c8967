import { describe, expect, it } from 'vitest';
import { clientAddressKey } from './client-address.js';

describe('clientAddressKey', () => {
  it('keeps IPv4 addresses whole and maps IPv4-mapped IPv6 to IPv4', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:cb00:7107')).toBe('203.0.113.7');
  });

  it('groups IPv6 by prefix, however the address is written', () => {
    const key = '2001:db8:0:1:0:0:0:0/64';
    expect(clientAddressKey('2001:db8:0:1::5')).toBe(key);
    expect(clientAddressKey('2001:0db8:0000:0001:abcd:ef01:2345:6789')).toBe(key);
    expect(clientAddressKey('[2001:db8:0:1::5]')).toBe(key);
    expect(clientAddressKey('2001:db8:0:1::5%eth0')).toBe(key);
    expect(clientAddressKey('::1')).toBe('0:0:0:0:0:0:0:0/64');
    expect(clientAddressKey('2001:db8:0:1::5', 128)).toBe('2001:db8:0:1:0:0:0:5/128');
    expect(clientAddressKey('2001:db8:ffff:1::5', 36)).toBe('2001:db8:f000:0:0:0:0:0/36');
    expect(clientAddressKey('64:ff9b::192.0.2.33', 128)).toBe('64:ff9b:0:0:0:0:c000:221/128');
  });

  it('passes anything else through, shortened', () => {
    expect(clientAddressKey('/tmp/.s.PGSQL.5432')).toBe('/tmp/.s.PGSQL.5432');
    expect(clientAddressKey('x'.repeat(500))).toHaveLength(128);
  });
});
