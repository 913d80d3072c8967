import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodeLogin7, deobfuscatePassword, encodeLogin7, FedAuthLibrary, obfuscatePassword, TdsVersion } from './login7.js';

const require = createRequire(import.meta.url);
type TediousLogin7 = new (o: Record<string, unknown>) => Record<string, unknown> & { toBuffer(): Buffer };

describe('LOGIN7', () => {
  it('obfuscates passwords by nibble swap and XOR 0xA5', () => {
    const ucs2 = Buffer.from('Pa55w0rd!', 'utf16le');
    const obfuscated = obfuscatePassword(ucs2);
    // 'P' = 0x50 → swap 0x05 → ^0xA5 = 0xA0; NUL → 0x00 → 0xA5.
    expect(obfuscated.subarray(0, 2)).toEqual(Buffer.from([0xa0, 0xa5]));
    expect(deobfuscatePassword(obfuscated).equals(ucs2)).toBe(true);
  });

  it('round-trips every field and the FeatureExt block', () => {
    const input = {
      tdsVersion: TdsVersion.V7_4,
      packetSize: 8192,
      clientPid: 4242,
      hostName: 'workstation',
      userName: 'alice@example.com',
      password: 'tok.en-with-ünïcode',
      appName: 'gatehouse-test',
      serverName: 'db.example',
      clientInterfaceName: 'Tedious',
      language: 'us_english',
      database: 'sales',
      features: [{ id: 0x0a, data: Buffer.from([1]) }],
      fedAuth: { library: FedAuthLibrary.SecurityToken, echo: true, token: Buffer.from('eyJhbGciOi.jwt', 'utf16le') },
    };
    const login = decodeLogin7(encodeLogin7(input));
    expect(login).toMatchObject({ ...input, features: expect.any(Array) });
    expect(login.fedAuth).toEqual(input.fedAuth);
    expect(login.features.map((f) => f.id)).toEqual([0x02, 0x0a]);
  });

  it('decodes what tedious 19 sends: SQL auth (golden)', () => {
    const Login7Payload = require('tedious/lib/login7-payload') as TediousLogin7;
    const payload = new Login7Payload({ tdsVersion: 0x74000004, packetSize: 4096, clientProgVer: 0, clientPid: 77, connectionId: 0, clientTimeZone: 0, clientLcid: 0x409 });
    Object.assign(payload, { hostname: 'host1', userName: 'sa', password: 'S3cret!', appName: 'app', serverName: 'localhost', language: 'us_english', database: 'master', libraryName: 'Tedious' });
    const login = decodeLogin7(payload.toBuffer());
    expect(login).toMatchObject({ userName: 'sa', password: 'S3cret!', database: 'master', hostName: 'host1', appName: 'app', clientInterfaceName: 'Tedious', clientPid: 77, packetSize: 4096 });
    expect(login.tdsVersion).toBe(TdsVersion.V7_4);
  });

  it('decodes what tedious 19 sends: an access token in FEDAUTH (golden)', () => {
    const Login7Payload = require('tedious/lib/login7-payload') as TediousLogin7;
    const payload = new Login7Payload({ tdsVersion: 0x74000004, packetSize: 4096, clientProgVer: 0, clientPid: 1, connectionId: 0, clientTimeZone: 0, clientLcid: 0x409 });
    Object.assign(payload, { userName: '', hostname: 'h', fedAuth: { type: 'SECURITYTOKEN', echo: true, fedAuthToken: 'header.payload.signature' } });
    const login = decodeLogin7(payload.toBuffer());
    expect(login.fedAuth?.library).toBe(FedAuthLibrary.SecurityToken);
    expect(login.fedAuth?.token?.toString('utf16le')).toBe('header.payload.signature');
  });

  it('refuses offsets outside the message and lengths that lie', () => {
    const good = encodeLogin7({ userName: 'u', password: 'p' });
    const badOffset = Buffer.from(good);
    badOffset.writeUInt16LE(0xfff0, 40);
    expect(() => decodeLogin7(badOffset)).toThrow(expect.objectContaining({ code: 'TDS_MALFORMED' }));
    const badLength = Buffer.from(good);
    badLength.writeUInt32LE(good.length + 5, 0);
    expect(() => decodeLogin7(badLength)).toThrow(/Length field/);
    expect(() => decodeLogin7(good.subarray(0, 50))).toThrow(/fixed part/);
  });
});
