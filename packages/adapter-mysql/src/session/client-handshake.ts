import { constants, privateDecrypt, randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SecureContext } from 'node:tls';
import { GatehouseError } from '@gatehouse/core';
import { CACHING_SHA2_PASSWORD, MYSQL_CLEAR_PASSWORD, xorScramble } from '../auth/scramble.js';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { Capability, REQUIRED_CLIENT_CAPABILITIES } from '../protocol/constants.js';
import { PacketReader } from '../protocol/packet-reader.js';
import type { Packet } from '../protocol/packet.js';
import { nextSequenceId } from '../protocol/packet.js';
import { CachingSha2, encodeAuthMoreData, encodeAuthSwitchRequest } from '../protocol/messages/auth.js';
import { decodeHandshakeResponse41, decodeSslRequest, encodeHandshakeV10, isSslRequest } from '../protocol/messages/handshake.js';
import { protocolViolationError, tlsRequiredError } from './native-errors.js';
import { PacketStream } from './packet-stream.js';
import { upgradeToTls } from './tls-upgrade.js';

/** The plugins the gateway can collect a token with; both end with the cleartext token inside TLS. */
export type ClientAuthPlugin = typeof CACHING_SHA2_PASSWORD | typeof MYSQL_CLEAR_PASSWORD;

export interface ClientHandshakeOptions {
  readonly secureContext: SecureContext;
  /** Plaintext is allowed only when set AND the client is on a loopback address. */
  readonly allowPlaintextOnLoopback: boolean;
  /** The plugin named in the greeting (default caching_sha2_password: what mysql2 and MySQL 8 clients expect). */
  readonly authPlugin?: ClientAuthPlugin;
  /** The plugin a client that answered with another plugin is switched to (default mysql_clear_password). */
  readonly switchPlugin?: ClientAuthPlugin;
  /**
   * The gateway's RSA key pair, for caching_sha2_password full authentication without TLS (loopback
   * plaintext only). Only for credentials of at most 213 bytes (one RSA-2048 OAEP block); without it,
   * plaintext clients are switched to mysql_clear_password, which carries a token of any length.
   */
  readonly rsaKeys?: { readonly publicKey: string; readonly privateKey: string };
  readonly maxPacketBytes?: number;
  readonly timeoutMs?: number;
}

/** What the greeting says about the server: taken from the upstream's own greeting. */
export interface GreetingInfo {
  readonly serverVersion: string;
  readonly connectionId: number;
  readonly capabilities: number;
  readonly characterSet: number;
  readonly statusFlags: number;
}

/** A client that has said who it claims to be and handed over its token. */
export interface ClientHello {
  readonly socket: Duplex;
  readonly stream: PacketStream;
  readonly tls: boolean;
  readonly user: string;
  /** The credential from the password slot. Never logged. */
  readonly token: string;
  readonly database: string | undefined;
  /** The capabilities both sides agreed (client's ∩ offered). */
  readonly capabilities: number;
  readonly characterSet: number;
  readonly maxPacketSize: number;
  readonly connectAttributes: ReadonlyMap<string, string>;
  readonly authPlugin: string;
  /** The sequence id the final OK (or ERR) of the login must carry. */
  readonly nextSequenceId: number;
}

/** The handshake failed in a way the client has already been told about (an ERR was sent). */
export class HandshakeRefusedError extends GatehouseError {
  constructor(message: string) {
    super('mysql.handshake-refused', message);
  }
}

export function isLoopback(address: string): boolean {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

/** 20 printable scramble bytes (no NUL, no '$'), as the server makes them. */
function newScramble(): Buffer {
  const out = Buffer.alloc(20);
  for (let i = 0; i < out.length; i++) {
    let byte = randomInt(0x21, 0x7f);
    if (byte === 0x24) byte = 0x25;
    out[i] = byte;
  }
  return out;
}

function stripNul(data: Buffer): string {
  const end = data.length > 0 && data[data.length - 1] === 0 ? data.length - 1 : data.length;
  return data.toString('utf8', 0, end);
}

/**
 * The client's side of connection start: greeting → [SSLRequest → TLS] → HandshakeResponse41 →
 * token collection (caching_sha2_password full authentication, or a switch to mysql_clear_password).
 * The token is only ever asked for inside TLS, or on loopback when the listener allows plaintext.
 */
export async function clientHandshake(socket: Socket, clientAddress: string, info: GreetingInfo, options: ClientHandshakeOptions): Promise<ClientHello> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const readerOptions = { peer: 'client', ...(options.maxPacketBytes ? { maxPacketBytes: options.maxPacketBytes } : {}) };
  const scramble = newScramble();
  const plugin = options.authPlugin ?? CACHING_SHA2_PASSWORD;
  const offer = info.capabilities | Capability.SSL;
  socket.write(
    encodeHandshakeV10({
      serverVersion: info.serverVersion,
      connectionId: info.connectionId,
      authPluginData: scramble,
      capabilities: offer,
      characterSet: info.characterSet,
      statusFlags: info.statusFlags,
      authPluginName: plugin,
    }),
  );

  let reader = new PacketReader(readerOptions);
  reader.holdAfterNextPacket(); // an SSLRequest is followed by TLS bytes, not packets
  let stream = new PacketStream(socket, reader, 'client');
  let transport: Duplex = socket;
  let first = await stream.next(timeoutMs);
  expectSequence(first, 1);
  const held = reader.takeHeld();
  stream.detach();
  let tls = false;
  if (isSslRequest(first.payload)) {
    decodeSslRequest(first.payload);
    transport = await upgradeToTls(socket, held, options.secureContext, timeoutMs);
    tls = true;
    reader = new PacketReader(readerOptions);
    stream = new PacketStream(transport, reader, 'client');
    first = await stream.next(timeoutMs);
    expectSequence(first, 2);
  } else {
    reader = new PacketReader(readerOptions);
    stream = new PacketStream(socket, reader, 'client');
    stream.feed(held);
  }
  let sequenceId = nextSequenceId(first.lastSequenceId);
  if (!tls && !(options.allowPlaintextOnLoopback && isLoopback(clientAddress))) {
    transport.end(tlsRequiredError(sequenceId));
    throw new HandshakeRefusedError('plaintext connection refused (TLS required)');
  }
  const response = decodeHandshakeResponse41(first.payload);
  if ((response.capabilities & REQUIRED_CLIENT_CAPABILITIES) !== REQUIRED_CLIENT_CAPABILITIES) {
    transport.end(protocolViolationError('the client must support CLIENT_PROTOCOL_41 and CLIENT_SECURE_CONNECTION', sequenceId));
    throw new HandshakeRefusedError('client capabilities too old');
  }
  if (response.capabilities & Capability.COMPRESS && !(offer & Capability.COMPRESS)) {
    // Asked for what was not offered; the gateway simply does not compress (the flag is masked out).
  }
  const capabilities = (response.capabilities & offer) >>> 0;

  const exchange = async (packet: Buffer): Promise<Packet> => {
    transport.write(packet);
    const reply = await stream.next(timeoutMs);
    expectSequence(reply, nextSequenceId(sequenceId));
    sequenceId = nextSequenceId(reply.lastSequenceId);
    return reply;
  };

  let token: string;
  let usedPlugin = response.authPluginName ?? '';
  // Without TLS (loopback, when allowed) caching_sha2_password full authentication needs RSA, and one
  // RSA-2048 OAEP block carries at most 213 bytes: a gateway token (a signed JWT, ~450 bytes) does not
  // fit, and clients give up. There, clients are switched to mysql_clear_password instead, unless the
  // listener was given an RSA key pair (for short credentials) explicitly.
  const rsaUsable = tls || options.rsaKeys !== undefined;
  if (usedPlugin === MYSQL_CLEAR_PASSWORD) {
    token = stripNul(response.authResponse);
  } else if (usedPlugin === CACHING_SHA2_PASSWORD && rsaUsable) {
    token = await fullAuthentication(exchange, sequenceId, tls, scramble, options.rsaKeys);
  } else {
    // mysql_native_password (the mariadb CLI's default) and anything else: ask for a plugin that yields the token.
    const target = rsaUsable ? (options.switchPlugin ?? MYSQL_CLEAR_PASSWORD) : MYSQL_CLEAR_PASSWORD;
    usedPlugin = target;
    const switched = await exchange(encodeAuthSwitchRequest({ pluginName: target, pluginData: target === MYSQL_CLEAR_PASSWORD ? Buffer.alloc(0) : scramble }, sequenceId));
    token = target === MYSQL_CLEAR_PASSWORD ? stripNul(switched.payload) : await fullAuthentication(exchange, sequenceId, tls, scramble, options.rsaKeys);
  }
  return {
    socket: transport,
    stream,
    tls,
    user: response.user,
    token,
    database: response.database,
    capabilities,
    characterSet: response.characterSet,
    maxPacketSize: response.maxPacketSize,
    connectAttributes: response.connectAttributes,
    authPlugin: usedPlugin,
    nextSequenceId: sequenceId,
  };
}

/**
 * caching_sha2_password "perform full authentication": inside TLS the client answers with the
 * cleartext password; without TLS (loopback only) it asks for the gateway's RSA key first.
 */
async function fullAuthentication(
  exchange: (packet: Buffer) => Promise<Packet>,
  sequenceId: number,
  tls: boolean,
  scramble: Buffer,
  rsaKeys: ClientHandshakeOptions['rsaKeys'],
): Promise<string> {
  let reply = await exchange(encodeAuthMoreData(Buffer.from([CachingSha2.PERFORM_FULL_AUTHENTICATION]), sequenceId));
  if (tls) return stripNul(reply.payload);
  if (reply.payload.length === 1 && reply.payload[0] === CachingSha2.REQUEST_PUBLIC_KEY) {
    if (!rsaKeys) throw new ProtocolError(ProtocolErrorCode.UnexpectedPacket, 'client asked for an RSA public key, and this listener has none; use TLS');
    reply = await exchange(encodeAuthMoreData(Buffer.from(rsaKeys.publicKey, 'latin1'), nextSequenceId(reply.lastSequenceId)));
    const plain = privateDecrypt({ key: rsaKeys.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, reply.payload);
    return stripNul(xorScramble(plain, scramble));
  }
  // A client that sends the password in the clear on an allowed loopback connection.
  return stripNul(reply.payload);
}

function expectSequence(packet: Packet, expected: number): void {
  if (packet.sequenceId !== expected) {
    throw new ProtocolError(ProtocolErrorCode.SequenceMismatch, `client packet has sequence id ${packet.sequenceId}; expected ${expected}`);
  }
}
