import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { MYSQL_CLEAR_PASSWORD, cleartextResponse } from '../auth/scramble.js';
import { Capability, ERR_HEADER, UTF8MB4_GENERAL_CI } from '../protocol/constants.js';
import { PacketReader } from '../protocol/packet-reader.js';
import type { Packet } from '../protocol/packet.js';
import { decodeErr } from '../protocol/messages/generic.js';
import type { ErrPacket } from '../protocol/messages/generic.js';
import { decodeHandshakeV10, encodeHandshakeResponse41, encodeSslRequest } from '../protocol/messages/handshake.js';

/** Capabilities the raw test client asks for (DEPRECATE_EOF on, like mysql2). */
export const RAW_CLIENT_CAPABILITIES =
  Capability.PROTOCOL_41 |
  Capability.SECURE_CONNECTION |
  Capability.PLUGIN_AUTH |
  Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  Capability.MULTI_STATEMENTS |
  Capability.MULTI_RESULTS |
  Capability.PS_MULTI_RESULTS |
  Capability.DEPRECATE_EOF |
  Capability.TRANSACTIONS |
  Capability.LONG_PASSWORD;

/**
 * A logged-in client speaking raw packets over TLS, for tests that need exact bytes on the wire
 * (malformed packets, commands drivers never send) or that must not keep rows.
 */
export interface RawClient {
  readonly socket: TLSSocket;
  readonly closed: Promise<void>;
  /** Every packet that arrives goes to the current listener. */
  send(bytes: Buffer): void;
  /** Sends `bytes` and collects packets until `until(packet)` is true. Rejects if the connection closes first. */
  request(bytes: Buffer, until: (packet: Packet) => boolean, onPacket?: (packet: Packet) => void): Promise<Packet[]>;
  end(): void;
}

export class RawLoginError extends Error {
  readonly err: ErrPacket;
  constructor(err: ErrPacket) {
    super(err.message);
    this.err = err;
  }
}

/** Logs in to the gateway over TLS as `user` with `token`, answering with mysql_clear_password. */
export async function openRawClient(port: number, ca: string, user: string, token: string, capabilities = RAW_CLIENT_CAPABILITIES): Promise<RawClient> {
  const tcp: Socket = connectTcp(port, '127.0.0.1');
  await new Promise((resolve, reject) => tcp.once('connect', resolve).once('error', reject));
  const greetingPacket = await new Promise<Packet>((resolve) => {
    const reader = new PacketReader();
    const onData = (chunk: Buffer) => {
      const [packet] = reader.push(chunk);
      if (packet) {
        tcp.off('data', onData);
        resolve(packet);
      }
    };
    tcp.on('data', onData);
  });
  decodeHandshakeV10(greetingPacket.payload);
  tcp.write(encodeSslRequest(capabilities, 16 * 1024 * 1024, UTF8MB4_GENERAL_CI, 1));
  const socket = connectTls({ socket: tcp, ca, servername: 'localhost' });
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  const reader = new PacketReader({ maxPacketBytes: 1024 * 1024 * 1024 });
  let listener: ((packet: Packet) => void) | undefined;
  let onClose: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    for (const packet of reader.push(chunk)) listener?.(packet);
  });
  socket.once('close', () => onClose?.());

  const request = (bytes: Buffer, until: (packet: Packet) => boolean, onPacket?: (packet: Packet) => void): Promise<Packet[]> =>
    new Promise((resolve, reject) => {
      const packets: Packet[] = [];
      onClose = () => reject(new Error('the gateway closed the connection'));
      listener = (packet) => {
        if (onPacket) onPacket(packet);
        else packets.push(packet);
        if (until(packet)) {
          listener = undefined;
          onClose = undefined;
          resolve(packets);
        }
      };
      if (bytes.length > 0) socket.write(bytes);
    });

  const login = encodeHandshakeResponse41(
    { capabilities: capabilities | Capability.SSL, maxPacketSize: 16 * 1024 * 1024, characterSet: UTF8MB4_GENERAL_CI, user, authResponse: cleartextResponse(token), authPluginName: MYSQL_CLEAR_PASSWORD },
    2,
  );
  const [answer] = await request(login, () => true);
  if (answer!.payload[0] === ERR_HEADER) {
    socket.destroy();
    throw new RawLoginError(decodeErr(answer!.payload));
  }
  return { socket, closed, send: (bytes) => socket.write(bytes), request, end: () => socket.end() };
}

/** True for the packet that ends a simple response (OK, ERR, or an 0xfe terminator). */
export function endsSimpleResponse(packet: Packet): boolean {
  return packet.payload[0] === 0x00 || packet.payload[0] === 0xff || packet.payload[0] === 0xfe;
}
