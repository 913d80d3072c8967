import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCertificates } from '@gatehouse/testkit';
import { Connection, Request } from 'tedious';
import type { ConnectionConfiguration } from 'tedious';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMessage, PacketType } from '../protocol/packet.js';
import { decodeSqlBatch } from '../protocol/requests/sql-batch.js';
import { DataType } from '../protocol/data-types.js';
import { encodeColMetadata } from '../protocol/tokens/colmetadata.js';
import { encodeDone } from '../protocol/tokens/done.js';
import { encodeRow } from '../protocol/tokens/row.js';
import { DoneStatus } from '../protocol/tokens/token-types.js';
import { loginResponse } from '../testing/sample-streams.js';
import { clientHandshake } from './client-handshake.js';
import type { ClientHandshakeOptions, ClientHello } from './client-handshake.js';
import { composeClientLoginResponse, decodeLogin7Response } from './login-response.js';
import { TdsMessageStream } from './message-stream.js';

let certificate: { key: string; cert: string };
let ca: string;
const servers: Server[] = [];

beforeAll(async () => {
  const files = await createTestCertificates(mkdtempSync(join(tmpdir(), 'tds-handshake-')));
  certificate = { key: readFileSync(files.serverKey, 'utf8'), cert: readFileSync(files.serverCert, 'utf8') };
  ca = readFileSync(files.caCert, 'utf8');
});
afterAll(() => servers.forEach((s) => s.close()));

/**
 * A fake gateway front: handshake, then a login response composed from a canned upstream one, then
 * one answer per SQLBatch echoing the batch text. Resolves each accepted hello.
 */
async function front(options: Omit<ClientHandshakeOptions, 'certificate'> & { tls: boolean }): Promise<{ port: number; hellos: ClientHello[]; refusals: string[] }> {
  const hellos: ClientHello[] = [];
  const refusals: string[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    clientHandshake(socket, socket.remoteAddress ?? '', { ...options, certificate: options.tls ? certificate : undefined }).then(
      async (hello) => {
        if (process.env['TDS_DEBUG']) console.error('hello', hello.user);
        hellos.push(hello);
        const upstream = decodeLogin7Response(loginResponse());
        hello.stream.write(encodeMessage(PacketType.TabularResult, composeClientLoginResponse(upstream, hello.login)));
        // The handshake's reader only takes PRELOGIN/LOGIN7; the request phase reads with its own.
        const requests = new TdsMessageStream(hello.stream, 'client', { maxPacketSize: upstream.packetSize ?? 4096 }, hello.messages.detach());
        for (;;) {
          const message = await requests.next(60_000).catch(() => undefined);
          if (!message) return;
          const text = message.type === PacketType.SqlBatch ? decodeSqlBatch(message.payload).text : '';
          if (/^set /i.test(text)) {
            // tedious's initial SET batch: no result set.
            hello.stream.write(encodeMessage(PacketType.TabularResult, encodeDone()));
            continue;
          }
          const columns = [{ userType: 0, flags: 1, typeInfo: { type: DataType.NVarChar, length: 8000, collation: Buffer.from([9, 4, 0xd0, 0, 0x34]) }, name: 'echo' }];
          hello.stream.write(
            encodeMessage(PacketType.TabularResult, Buffer.concat([encodeColMetadata(columns), encodeRow(columns, [text.slice(0, 4000)]), encodeDone({ status: DoneStatus.Count, rowCount: 1 })]), { packetSize: 8192 }),
          );
        }
      },
      (error: Error) => {
        if (process.env['TDS_DEBUG']) console.error('refused', error);
        refusals.push(error.message);
        socket.destroy();
      },
    );
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, hellos, refusals };
}

function tedious(port: number, config: { encrypt: boolean | 'strict'; token?: string; user?: string; password?: string }): Promise<Connection> {
  const connection = new Connection({
    server: '127.0.0.1',
    options: { port, encrypt: config.encrypt, trustServerCertificate: true, cryptoCredentialsDetails: { ca }, connectTimeout: 5000, ...(process.env['TDS_DEBUG'] ? { debug: { packet: true, token: true } } : {}) },
    authentication: config.token
      ? { type: 'azure-active-directory-access-token', options: { token: config.token } }
      : { type: 'default', options: { userName: config.user ?? 'alice@example.com', password: config.password ?? 'gh_token_123' } },
  } as ConnectionConfiguration);
  if (process.env['TDS_DEBUG']) connection.on('debug', (m: string) => console.error('tedious', m.slice(0, 120)));
  return new Promise((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve(connection))));
}

function echo(connection: Connection, text: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let value: unknown;
    const request = new Request(text, (error) => (error ? reject(error) : resolve(value)));
    request.on('row', (columns: { value: unknown }[]) => (value = columns[0]!.value));
    connection.execSqlBatch(request);
  });
}

describe('client handshake (the gateway as a TDS server)', () => {
  it('encrypt: true — TLS inside PRELOGIN; the token comes from the password slot', async () => {
    const f = await front({ tls: true });
    const c = await tedious(f.port, { encrypt: true });
    expect(await echo(c, 'SELECT 1')).toBe('SELECT 1');
    expect(f.hellos[0]).toMatchObject({ encryption: 'full', user: 'alice@example.com', credential: { kind: 'password', token: 'gh_token_123' } });
    c.close();
  });

  it("encrypt: 'strict' — TDS 8", async () => {
    const f = await front({ tls: true });
    const c = await tedious(f.port, { encrypt: 'strict' });
    expect(await echo(c, 'SELECT 2')).toBe('SELECT 2');
    expect(f.hellos[0]!.encryption).toBe('strict');
    c.close();
  });

  it('an access token in FEDAUTH (tedious azure-active-directory-access-token), acknowledged as tedious requires', async () => {
    const f = await front({ tls: true });
    const c = await tedious(f.port, { encrypt: true, token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJib2IifQ.' });
    expect(await echo(c, 'SELECT 3')).toBe('SELECT 3');
    expect(f.hellos[0]).toMatchObject({ user: '', credential: { kind: 'fedauth', token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJib2IifQ.' } });
    c.close();
  });

  it('a client that will not encrypt is refused unless plaintext is allowed on loopback', async () => {
    const strictFront = await front({ tls: true });
    await expect(tedious(strictFront.port, { encrypt: false })).rejects.toThrow();
    expect(strictFront.refusals[0]).toMatch(/cannot encrypt/);
    const devFront = await front({ tls: true, allowPlaintextOnLoopback: true });
    const c = await tedious(devFront.port, { encrypt: false });
    expect(devFront.hellos[0]!.encryption).toBe('none');
    c.close();
    const noCert = await front({ tls: false });
    await expect(tedious(noCert.port, { encrypt: false })).rejects.toThrow(/Login failed/);
    expect(noCert.refusals[0]).toMatch(/must not travel in clear/);
  });
});
