import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCertificates } from '@gatehouse/testkit';
import type { TestCertificates } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMessage, PacketType } from '../protocol/packet.js';
import { decodePrelogin, Encryption, encodePrelogin } from '../protocol/prelogin.js';
import { MessageQueue } from '../testing/message-queue.js';
import { acceptStrictTls, acceptTlsInPrelogin, connectStrictTls, connectTlsInPrelogin } from './tls-setup.js';

let certs: { serverKey: string; serverCert: string };
beforeAll(async () => {
  const files: TestCertificates = await createTestCertificates(mkdtempSync(join(tmpdir(), 'tds-tls-')));
  certs = { serverKey: readFileSync(files.serverKey, 'utf8'), serverCert: readFileSync(files.serverCert, 'utf8') };
});

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

async function pair(onServer: (socket: Socket) => Promise<void>): Promise<Socket> {
  const server = createServer((socket) => {
    onServer(socket).catch((error: unknown) => {
      if (process.env["TDS_DEBUG"]) console.error("server side failed", error);
      socket.destroy(error as Error);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

describe('TLS inside TDS', () => {
  it('ENCRYPT_ON: handshake in PRELOGIN packets, then everything in TLS records', async () => {
    const client = await pair(async (socket) => {
      const plain = new MessageQueue(socket);
      const prelogin = await plain.next();
      expect(decodePrelogin(prelogin.payload).encryption).toBe(Encryption.On);
      socket.write(encodeMessage(PacketType.TabularResult, encodePrelogin({ version: { major: 16, minor: 0, build: 0, subbuild: 0 }, encryption: Encryption.On })));
      plain.stop();
      const { tls } = await acceptTlsInPrelogin(socket, { key: certs.serverKey, cert: certs.serverCert });
      const secure = new MessageQueue(tls);
      const login = await secure.next();
      expect(login.type).toBe(PacketType.Login7);
      tls.write(encodeMessage(PacketType.TabularResult, Buffer.concat([login.payload, Buffer.from('!')])));
    });
    const plain = new MessageQueue(client);
    client.write(encodeMessage(PacketType.Prelogin, encodePrelogin({ version: { major: 1, minor: 0, build: 0, subbuild: 0 }, encryption: Encryption.On })));
    expect(decodePrelogin((await plain.next()).payload).encryption).toBe(Encryption.On);
    plain.stop();
    const { tls, carrier } = await connectTlsInPrelogin(client, { rejectUnauthorized: false });
    const secure = new MessageQueue(tls);
    tls.write(encodeMessage(PacketType.Login7, Buffer.from('login-bytes')));
    expect((await secure.next()).payload.toString()).toBe('login-bytes!');
    expect(carrier.mode).toEqual({ incoming: 'raw', outgoing: 'raw' });
    tls.destroy();
    client.destroy();
  });

  it('ENCRYPT_OFF: only the first LOGIN7 packet is encrypted; the reply comes back in plaintext', async () => {
    const client = await pair(async (socket) => {
      const plain = new MessageQueue(socket);
      await plain.next();
      socket.write(encodeMessage(PacketType.TabularResult, encodePrelogin({ encryption: Encryption.Off })));
      plain.stop();
      const { tls, carrier } = await acceptTlsInPrelogin(socket, { key: certs.serverKey, cert: certs.serverCert });
      const secure = new MessageQueue(tls);
      const login = await secure.next();
      secure.stop();
      const rest = carrier.detach();
      tls.destroy();
      expect(rest).toHaveLength(0);
      socket.write(encodeMessage(PacketType.TabularResult, Buffer.from(`ack:${login.payload.toString()}`)));
    });
    const plain = new MessageQueue(client);
    client.write(encodeMessage(PacketType.Prelogin, encodePrelogin({ encryption: Encryption.Off })));
    await plain.next();
    plain.stop();
    const { tls, carrier } = await connectTlsInPrelogin(client, { rejectUnauthorized: false });
    const reply = new Promise<Buffer>((resolve) => carrier.once('plaintext', resolve));
    tls.write(encodeMessage(PacketType.Login7, Buffer.from('secret-login')));
    const after = new MessageQueue(client);
    after.feed(await reply);
    expect((await after.next()).payload.toString()).toBe('ack:secret-login');
    expect(carrier.mode.incoming).toBe('detached');
    client.destroy();
  });

  it('TDS 8 strict: TLS first with ALPN tds/8.0, PRELOGIN inside', async () => {
    const client = await pair(async (socket) => {
      const first = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
      socket.pause();
      expect(first[0]).toBe(0x16);
      const { tls } = await acceptStrictTls(socket, { key: certs.serverKey, cert: certs.serverCert, initial: first });
      expect(tls.alpnProtocol).toBe('tds/8.0');
      const q = new MessageQueue(tls);
      const prelogin = await q.next();
      tls.write(encodeMessage(PacketType.TabularResult, prelogin.payload));
    });
    const { tls } = await connectStrictTls(client, { rejectUnauthorized: false });
    expect(tls.getProtocol()).toMatch(/TLSv1\.[23]/);
    const q = new MessageQueue(tls);
    tls.write(encodeMessage(PacketType.Prelogin, encodePrelogin({ encryption: Encryption.NotSupported })));
    expect(decodePrelogin((await q.next()).payload).encryption).toBe(Encryption.NotSupported);
    tls.destroy();
    client.destroy();
  });

  it('refuses non-PRELOGIN framing during the handshake', async () => {
    const result = new Promise<unknown>((resolve) => {
      void pair(async (socket) => {
        await acceptTlsInPrelogin(socket, { key: certs.serverKey, cert: certs.serverCert, timeoutMs: 3000 }).then(resolve, resolve);
      }).then((client) => client.write(encodeMessage(PacketType.SqlBatch, Buffer.from('nope'))));
    });
    expect(await result).toMatchObject({ code: expect.stringMatching(/^TDS_T/) });
  });
});
