import { describe, expect, it } from 'vitest';
import { formatListenAddress, isLoopbackHost, parseListenAddress } from './listen-address.js';

describe('listen addresses', () => {
  it('parses host:port for IPv4, bracketed IPv6 and host names', () => {
    expect(parseListenAddress('127.0.0.1:6432')).toEqual({ host: '127.0.0.1', port: 6432 });
    expect(parseListenAddress('[::1]:6432')).toEqual({ host: '::1', port: 6432 });
    expect(parseListenAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseListenAddress('0.0.0.0:5432')).toEqual({ host: '0.0.0.0', port: 5432 });
  });

  it('explains what is wrong', () => {
    expect(parseListenAddress('6432')).toHaveProperty('problem', 'listen must be "host:port", e.g. 127.0.0.1:6432 or [::1]:6432 (got "6432")');
    expect(parseListenAddress('::1:6432')).toHaveProperty('problem');
    expect(parseListenAddress('[db]:6432')).toHaveProperty('problem', 'listen host "[db]" is not an IPv6 address');
    expect(parseListenAddress('bad_host:6432')).toHaveProperty('problem', 'listen host "bad_host" is not an IP address or host name');
    expect(parseListenAddress('127.0.0.1:65536')).toHaveProperty('problem');
  });

  it('knows loopback from the rest, and prints IPv6 in brackets', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::', 'db.internal'].some(isLoopbackHost)).toBe(false);
    expect(formatListenAddress({ host: '::1', port: 6432 })).toBe('[::1]:6432');
  });
});
