import { startMssql } from '@gatehouse/testkit';
import type { MssqlServer } from '@gatehouse/testkit';
import { upstreamTlsOptions } from '@gatehouse/proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMessage, PacketType } from '../protocol/packet.js';
import { encodeSqlBatch } from '../protocol/requests/sql-batch.js';
import { TokenStreamReader } from '../protocol/token-stream-reader.js';
import { decodeValue } from '../protocol/values.js';
import { loginUpstream, UpstreamLoginError } from './upstream-login.js';
import type { MssqlUpstreamConnection, MssqlUpstreamSettings } from './upstream-login.js';

let plain: MssqlServer;
let encrypted: MssqlServer;
let required: MssqlServer;
const opened: MssqlUpstreamConnection[] = [];

beforeAll(async () => {
  [plain, encrypted, required] = await Promise.all([startMssql(), startMssql({ tls: 'off' }), startMssql({ tls: 'required' })]);
}, 60_000);
afterAll(async () => {
  opened.forEach((c) => c.socket.destroy());
  await Promise.all([plain?.stop(), encrypted?.stop(), required?.stop()]);
});

function settings(server: MssqlServer, tls: MssqlUpstreamSettings['tls'], extra: Partial<MssqlUpstreamSettings> = {}): MssqlUpstreamSettings {
  return { host: server.host, port: server.port, database: server.database, user: server.user, password: server.password, tls, ...extra };
}

async function login(s: MssqlUpstreamSettings): Promise<MssqlUpstreamConnection> {
  const connection = await loginUpstream(s);
  opened.push(connection);
  return connection;
}

/** Runs a batch on a logged-in upstream and returns the first column of the first row. */
async function scalar(connection: MssqlUpstreamConnection, text: string): Promise<unknown> {
  connection.stream.write(encodeMessage(PacketType.SqlBatch, encodeSqlBatch(text), { packetSize: connection.login.packetSize ?? 4096 }));
  const reader = new TokenStreamReader();
  const tokens = reader.push((await connection.messages.next()).payload);
  const row = tokens.find((t) => t.kind === 'row' || t.kind === 'nbcrow');
  if (!row || (row.kind !== 'row' && row.kind !== 'nbcrow')) throw new Error(`no row in ${tokens.map((t) => t.kind).join(',')}`);
  return decodeValue(row.raw, row.values[0]!, reader.columns![0]!.typeInfo);
}

describe('upstream login (the gateway as a TDS client)', () => {
  it('tls: disable against a server without TLS', async () => {
    const c = await login(settings(plain, undefined));
    expect(c.encryption).toBe('none');
    expect(c.login.loginAck?.tdsVersion).toBe(0x74000004);
    expect(c.login.packetSize).toBe(8192);
    expect(await scalar(c, 'SELECT 1 + 1')).toBe(2);
  });

  it('tls: require (TLS inside PRELOGIN, everything encrypted) and verify-full with the CA', async () => {
    const c = await login(settings(encrypted, upstreamTlsOptions(encrypted.host, { mode: 'require' })));
    expect(c.encryption).toBe('full');
    expect(await scalar(c, "SELECT N'over tls'")).toBe('over tls');
    if (encrypted.ca) {
      const verified = await login(settings(encrypted, upstreamTlsOptions(encrypted.host, { mode: 'verify-full', ca: encrypted.ca, serverName: 'localhost' })));
      expect(await scalar(verified, 'SELECT 3')).toBe(3);
      await expect(loginUpstream(settings(encrypted, upstreamTlsOptions(encrypted.host, { mode: 'verify-full', ca: encrypted.ca, serverName: 'not-the-server.example' })))).rejects.toThrow(UpstreamLoginError);
    }
  });

  it('TDS 8 strict', async () => {
    const c = await login(settings(encrypted, upstreamTlsOptions(encrypted.host, { mode: 'require' }), { strict: true }));
    expect(c.encryption).toBe('strict');
    expect(await scalar(c, 'SELECT 4')).toBe(4);
  });

  it('refuses: disable against a server that requires encryption; TLS against a server without it; a wrong password (18456)', async () => {
    await expect(loginUpstream(settings(required, undefined))).rejects.toThrow(/requires encryption/);
    await expect(loginUpstream(settings(plain, upstreamTlsOptions(plain.host, { mode: 'require' })))).rejects.toThrow(/does not support encryption/);
    await expect(loginUpstream({ ...settings(plain, undefined), password: 'wrong' })).rejects.toMatchObject({ number: 18456 });
  });

  it.skipIf(Boolean(process.env['MSSQL_URL']))('follows ENVCHANGE routing itself (stand-in only)', async () => {
    const router = await startMssql({ route: { host: plain.host, port: plain.port } });
    try {
      const c = await login({ ...settings(router, undefined), user: plain.user, password: plain.password });
      expect(c.redirects).toEqual([`${router.host}:${router.port}`]);
      expect(c.login.routing).toBeUndefined();
      expect(await scalar(c, 'SELECT 5')).toBe(5);
    } finally {
      await router.stop();
    }
  });
});
