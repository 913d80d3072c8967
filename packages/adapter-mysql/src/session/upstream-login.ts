import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as connectTls } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { GatehouseError } from '@gatehouse/core';
import { UpstreamAuthenticator } from '../auth/upstream-authenticator.js';
import { Capability, ERR_HEADER, GATEWAY_CAPABILITIES, OK_HEADER, UTF8MB4_GENERAL_CI } from '../protocol/constants.js';
import { PacketReader } from '../protocol/packet-reader.js';
import type { Packet } from '../protocol/packet.js';
import { nextSequenceId } from '../protocol/packet.js';
import { encodeAuthData } from '../protocol/messages/auth.js';
import { decodeErr, decodeOk } from '../protocol/messages/generic.js';
import { decodeHandshakeV10, encodeHandshakeResponse41, encodeSslRequest } from '../protocol/messages/handshake.js';
import type { HandshakeV10 } from '../protocol/messages/handshake.js';
import { PacketStream } from './packet-stream.js';

/** How the gateway reaches and logs in to the MySQL/MariaDB server behind a connection. */
export interface MysqlUpstreamSettings {
  readonly host: string;
  readonly port: number;
  /** The database sessions start in (and the first part of dotted table names). */
  readonly database: string;
  readonly user: string;
  readonly password: string;
  /** Node TLS options, or undefined for `tls: disable`. */
  readonly tls: ConnectionOptions | undefined;
  /** The server's RSA public key (PEM) for caching_sha2_password without TLS; fetched from the server when absent. */
  readonly serverPublicKey?: string;
  readonly connectTimeoutMs?: number;
  readonly maxPacketBytes?: number;
}

/** The upstream refused or failed the gateway's login; `serverMessage` is the server's own text (unredacted). */
export class UpstreamLoginError extends GatehouseError {
  readonly errorCode: number | undefined;
  readonly serverMessage: string | undefined;

  constructor(message: string, details: { errorCode?: number; serverMessage?: string; cause?: unknown } = {}) {
    super('mysql.upstream-login', message, details.cause === undefined ? undefined : { cause: details.cause });
    this.errorCode = details.errorCode;
    this.serverMessage = details.serverMessage;
  }
}

/** A TCP connection to the upstream that has received the server's greeting and nothing else. */
export interface UpstreamGreeting {
  readonly socket: Socket;
  readonly stream: PacketStream;
  readonly greeting: HandshakeV10;
}

/** A logged-in upstream session, ready for its first command. */
export interface UpstreamConnection {
  readonly socket: Duplex;
  readonly reader: PacketReader;
  readonly greeting: HandshakeV10;
  readonly encrypted: boolean;
  /** The capabilities the gateway asked for (the server honours those it has). */
  readonly capabilities: number;
  readonly statusFlags: number;
}

/**
 * Capabilities the gateway handles on the client side by itself (TLS, authentication, attributes,
 * the initial database): offered to clients whatever the upstream has.
 */
const GATEWAY_TERMINATED =
  Capability.SSL |
  Capability.PROTOCOL_41 |
  Capability.SECURE_CONNECTION |
  Capability.PLUGIN_AUTH |
  Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  Capability.CONNECT_ATTRS |
  Capability.CONNECT_WITH_DB |
  Capability.LONG_PASSWORD;

/** What the gateway offers a client: its own terminated capabilities, plus those both it and the upstream have. */
export function clientOffer(upstreamCapabilities: number): number {
  return (GATEWAY_TERMINATED | (GATEWAY_CAPABILITIES & upstreamCapabilities)) >>> 0;
}

/** Opens the TCP connection and reads the server's greeting (nothing is sent yet). */
export async function openUpstream(settings: MysqlUpstreamSettings): Promise<UpstreamGreeting> {
  const timeoutMs = settings.connectTimeoutMs ?? 10_000;
  const socket = connectTcp({ host: settings.host, port: settings.port, noDelay: true, keepAlive: true });
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
      timeoutMs,
      `connecting to ${settings.host}:${settings.port}`,
    );
  } catch (error) {
    socket.destroy();
    if (error instanceof UpstreamLoginError) throw error;
    throw new UpstreamLoginError(`cannot reach upstream ${settings.host}:${settings.port}: ${(error as Error).message}`, { cause: error });
  }
  const reader = new PacketReader({ peer: 'upstream', ...(settings.maxPacketBytes ? { maxPacketBytes: settings.maxPacketBytes } : {}) });
  reader.holdAfterNextPacket(); // nothing may follow the greeting before we answer it
  const stream = new PacketStream(socket, reader, 'upstream');
  try {
    const packet = await stream.next(timeoutMs);
    if (packet.payload[0] === ERR_HEADER) {
      const err = decodeErr(packet.payload);
      throw new UpstreamLoginError('upstream refused the connection', { errorCode: err.errorCode, serverMessage: err.message });
    }
    const greeting = decodeHandshakeV10(packet.payload);
    if (!(greeting.capabilities & Capability.PROTOCOL_41)) throw new UpstreamLoginError('upstream does not speak protocol 4.1');
    if (reader.takeHeld().length > 0) throw new UpstreamLoginError('upstream sent data after its greeting before the gateway answered');
    return { socket, stream, greeting };
  } catch (error) {
    socket.destroy();
    if (error instanceof UpstreamLoginError) throw error;
    throw new UpstreamLoginError(`upstream greeting failed: ${(error as Error).message}`, { cause: error });
  }
}

export interface UpstreamLoginRequest {
  /** The capabilities agreed with the client (wire-format ones are passed on). */
  readonly clientCapabilities: number;
  readonly characterSet: number;
  readonly database: string;
  /** Connect attributes for the upstream (the gateway's own, plus the client's program name). */
  readonly connectAttributes?: ReadonlyMap<string, string>;
}

/** Answers the greeting: TLS when configured (SSLRequest, then the TLS handshake), then login. */
export async function loginUpstream(pending: UpstreamGreeting, settings: MysqlUpstreamSettings, request: UpstreamLoginRequest): Promise<UpstreamConnection> {
  const timeoutMs = settings.connectTimeoutMs ?? 10_000;
  const { greeting } = pending;
  pending.stream.detach();
  const serverCaps = greeting.capabilities;
  let capabilities = (request.clientCapabilities & GATEWAY_CAPABILITIES & serverCaps & ~GATEWAY_TERMINATED) >>> 0;
  capabilities |= Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH | Capability.LONG_PASSWORD;
  capabilities |= serverCaps & (Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA | Capability.CONNECT_ATTRS);
  if (request.database) capabilities |= Capability.CONNECT_WITH_DB;
  const characterSet = request.characterSet || UTF8MB4_GENERAL_CI;
  const maxPacketSize = settings.maxPacketBytes ?? 64 * 1024 * 1024;

  let socket: Duplex = pending.socket;
  let sequenceId = 1;
  let encrypted = false;
  try {
    if (settings.tls) {
      if (!(serverCaps & Capability.SSL)) throw new UpstreamLoginError(`upstream ${settings.host}:${settings.port} does not offer TLS, which this connection requires`);
      capabilities |= Capability.SSL;
      pending.socket.write(encodeSslRequest(capabilities, maxPacketSize, characterSet, sequenceId));
      sequenceId = nextSequenceId(sequenceId);
      const secure = connectTls({ ...settings.tls, socket: pending.socket });
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          secure.once('secureConnect', resolve);
          secure.once('error', reject);
        }),
        timeoutMs,
        `TLS handshake with ${settings.host}:${settings.port}`,
      );
      socket = secure;
      encrypted = true;
    }
    const reader = new PacketReader({ peer: 'upstream', ...(settings.maxPacketBytes ? { maxPacketBytes: settings.maxPacketBytes } : {}) });
    const stream = new PacketStream(socket, reader, 'upstream');
    const authenticator = new UpstreamAuthenticator({
      password: settings.password,
      encrypted,
      ...(settings.serverPublicKey ? { serverPublicKey: settings.serverPublicKey } : {}),
    });
    const plugin = greeting.authPluginName || 'mysql_native_password';
    socket.write(
      encodeHandshakeResponse41(
        {
          capabilities,
          maxPacketSize,
          characterSet,
          user: settings.user,
          authResponse: authenticator.initialResponse(plugin, greeting.authPluginData),
          database: request.database,
          authPluginName: plugin,
          ...(request.connectAttributes ? { connectAttributes: request.connectAttributes } : {}),
        },
        sequenceId,
      ),
    );
    for (;;) {
      const packet: Packet = await stream.next(timeoutMs);
      const header = packet.payload[0];
      if (header === OK_HEADER) {
        const ok = decodeOk(packet.payload, capabilities);
        stream.detach();
        return { socket, reader, greeting, encrypted, capabilities, statusFlags: ok.statusFlags };
      }
      if (header === ERR_HEADER) {
        const err = decodeErr(packet.payload);
        throw new UpstreamLoginError('upstream refused the gateway login', { errorCode: err.errorCode, serverMessage: err.message });
      }
      const step = authenticator.next(packet.payload);
      if (step.kind === 'send') socket.write(encodeAuthData(step.data, nextSequenceId(packet.lastSequenceId)));
    }
  } catch (error) {
    socket.destroy();
    pending.socket.destroy();
    if (error instanceof UpstreamLoginError) throw error;
    throw new UpstreamLoginError(`upstream login failed: ${(error as Error).message}`, { cause: error });
  }
}

/** Greeting and login in one go (for callers that do not need the greeting first). */
export async function connectUpstream(settings: MysqlUpstreamSettings, request: Omit<UpstreamLoginRequest, 'clientCapabilities'> & { clientCapabilities?: number }): Promise<UpstreamConnection> {
  const pending = await openUpstream(settings);
  return loginUpstream(pending, settings, { ...request, clientCapabilities: request.clientCapabilities ?? GATEWAY_CAPABILITIES });
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UpstreamLoginError(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
