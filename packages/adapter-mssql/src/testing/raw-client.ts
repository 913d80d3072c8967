// Test-only: a bare TDS client (plaintext, loopback) built from the codec, for sending what no
// driver would: malformed packets after a successful login.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { encodeLogin7, TdsVersion } from '../protocol/login7.js';
import type { Message } from '../protocol/message.js';
import { encodeMessage, PacketType } from '../protocol/packet.js';
import { encodePrelogin, Encryption } from '../protocol/prelogin.js';
import { encodeSqlBatch } from '../protocol/requests/sql-batch.js';
import { TdsMessageStream } from '../session/message-stream.js';

export interface RawTdsClient {
  readonly socket: Socket;
  /** The login response (or refusal) as one message. */
  readonly loginResponse: Message;
  next(timeoutMs?: number): Promise<Message>;
  batch(text: string): Promise<Message>;
  /** Resolves once the gateway has closed the connection. */
  readonly closed: Promise<void>;
}

/** Connects without encryption (the gateway must allow plaintext from loopback) and logs in. */
export async function openRawClient(port: number, user: string, password: string): Promise<RawTdsClient> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const messages = new TdsMessageStream(socket, 'gateway', {});
  socket.write(encodeMessage(PacketType.Prelogin, encodePrelogin({ version: { major: 1, minor: 0, build: 0, subbuild: 0 }, encryption: Encryption.NotSupported, instance: Buffer.alloc(0), mars: false })));
  await messages.next(10_000);
  socket.write(
    encodeMessage(
      PacketType.Login7,
      encodeLogin7({ tdsVersion: TdsVersion.V7_4, packetSize: 4096, clientPid: process.pid, hostName: 'raw', userName: user, password, appName: 'raw-client', serverName: 'gatehouse', clientInterfaceName: 'raw' }),
    ),
  );
  const loginResponse = await messages.next(10_000);
  return {
    socket,
    loginResponse,
    closed,
    next: (timeoutMs = 10_000) => messages.next(timeoutMs),
    batch: (text) => {
      socket.write(encodeMessage(PacketType.SqlBatch, encodeSqlBatch(text)));
      return messages.next(10_000);
    },
  };
}
