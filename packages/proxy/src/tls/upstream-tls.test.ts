import { describe, expect, it } from 'vitest';
import { upstreamTlsOptions } from './upstream-tls.js';

describe('upstreamTlsOptions', () => {
  it('disables TLS only when asked', () => {
    expect(upstreamTlsOptions('db', { mode: 'disable' })).toBeUndefined();
  });

  it('require encrypts without verifying', () => {
    expect(upstreamTlsOptions('db.internal', { mode: 'require' })).toEqual({ servername: 'db.internal', rejectUnauthorized: false });
  });

  it('verify-full checks the chain and the configured name, even for IP hosts', () => {
    const options = upstreamTlsOptions('10.0.0.5', { mode: 'verify-full', ca: 'PEM', serverName: 'db.internal' });
    expect(options?.rejectUnauthorized).toBe(true);
    expect(options?.ca).toBe('PEM');
    expect(options?.servername).toBe('db.internal');
    expect(typeof options?.checkServerIdentity).toBe('function');
  });

  it('does not send an IP address as SNI', () => {
    expect(upstreamTlsOptions('127.0.0.1', { mode: 'verify-full' })?.servername).toBeUndefined();
  });
});
