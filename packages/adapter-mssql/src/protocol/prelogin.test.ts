import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { clientEncryptionOutcome, decodePrelogin, Encryption, encodePrelogin, negotiateEncryption } from './prelogin.js';

const require = createRequire(import.meta.url);

describe('PRELOGIN', () => {
  it('round-trips every option', () => {
    const prelogin = {
      version: { major: 16, minor: 0, build: 4135, subbuild: 0 },
      encryption: Encryption.On,
      instance: Buffer.from('MSSQLSERVER'),
      threadId: 1234,
      mars: false,
      traceId: Buffer.alloc(36, 9),
      fedAuthRequired: true,
      nonce: Buffer.alloc(32, 3),
    };
    expect(decodePrelogin(encodePrelogin(prelogin))).toEqual(prelogin);
  });

  it('decodes what tedious 19 sends (golden) and tedious decodes what we send', () => {
    const PreloginPayload = require('tedious/lib/prelogin-payload') as new (o: unknown) => { data: Buffer };
    const fromTedious = new PreloginPayload({ encrypt: true, version: { major: 19, minor: 2, build: 2, subbuild: 0 } });
    const decoded = decodePrelogin(fromTedious.data);
    expect(decoded.encryption).toBe(Encryption.On);
    expect(decoded.version).toEqual({ major: 19, minor: 2, build: 2, subbuild: 0 });
    expect(decoded.mars).toBe(false);
    expect(decoded.traceId).toHaveLength(36);
    expect(decoded.fedAuthRequired).toBe(true);
    const ours = encodePrelogin({ version: { major: 16, minor: 0, build: 1000, subbuild: 0 }, encryption: Encryption.Required, instance: Buffer.alloc(0), threadId: 0, mars: false, fedAuthRequired: false });
    const PreloginReader = require('tedious/lib/prelogin-payload') as new (b: Buffer) => { encryptionString: string; version: { major: number }; marsString: string };
    const parsed = new PreloginReader(ours);
    expect(parsed.encryptionString).toBe('REQ');
    expect(parsed.version.major).toBe(16);
    expect(parsed.marsString).toBe('OFF');
  });

  it('refuses truncated and inconsistent option tables', () => {
    expect(() => decodePrelogin(Buffer.from([0x00, 0x00, 0x06, 0x00, 0x06]))).toThrow(expect.objectContaining({ code: 'TDS_MALFORMED' }));
    expect(() => decodePrelogin(Buffer.from([0x00, 0x00, 0x10, 0x00, 0x06, 0xff]))).toThrow(/runs past/);
    expect(() => decodePrelogin(Buffer.from([0x01, 0x00, 0x0b, 0x00, 0x01, 0x01, 0x00, 0x0b, 0x00, 0x01, 0xff, 0x00]))).toThrow(/twice/);
    expect(() => decodePrelogin(Buffer.alloc(0))).toThrow(/terminator/);
  });

  it('negotiates encryption as SQL Server does', () => {
    const { Off, On, NotSupported, Required } = Encryption;
    expect(negotiateEncryption(Off, Off)).toEqual({ response: Off, outcome: 'login-only' });
    expect(negotiateEncryption(On, Off)).toEqual({ response: On, outcome: 'full' });
    expect(negotiateEncryption(NotSupported, Off)).toEqual({ response: NotSupported, outcome: 'none' });
    expect(negotiateEncryption(NotSupported, Required)).toEqual({ response: Required, outcome: 'refuse' });
    expect(negotiateEncryption(Off, Required)).toEqual({ response: Required, outcome: 'full' });
    expect(negotiateEncryption(On, NotSupported)).toEqual({ response: NotSupported, outcome: 'refuse' });
    expect(negotiateEncryption(Off, On)).toEqual({ response: On, outcome: 'full' });
    expect(clientEncryptionOutcome(Off, Off)).toBe('login-only');
    expect(clientEncryptionOutcome(On, On)).toBe('full');
    expect(clientEncryptionOutcome(On, NotSupported)).toBe('refuse');
    expect(clientEncryptionOutcome(NotSupported, NotSupported)).toBe('none');
  });
});
