import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { SecureContext } from 'node:tls';
import { GatehouseError } from '@gatehouse/core';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { FrontendCode } from '../protocol/codes.js';
import { FrontendReader } from '../protocol/frontend-reader.js';
import { encodeAuthenticationCleartextPassword } from '../protocol/messages/authentication.js';
import { decodePasswordMessage } from '../protocol/messages/authentication.js';
import { decodeStartupPacket } from '../protocol/messages/startup.js';
import { FrameStream } from './frame-stream.js';
import { tlsRequiredError, unsupportedStartupOptionError } from './native-errors.js';
import { isSafeClientEncoding } from './pinned-settings.js';

/** Startup parameters passed on to the upstream; anything else is refused or dropped (see below). */
const FORWARDED_PARAMETERS = new Set([
  'application_name',
  'client_encoding',
  'DateStyle',
  'datestyle',
  'TimeZone',
  'timezone',
  'IntervalStyle',
  'extra_float_digits',
  'search_path',
]);

/**
 * Parameters that change who the session is or what it may do before policy sees a statement
 * (`options=-c role=…`, replication connections): refused, never silently dropped.
 */
const REFUSED_PARAMETERS = new Set(['options', 'replication', 'role', 'session_authorization']);

export interface ClientHandshakeOptions {
  readonly secureContext: SecureContext;
  /** Plaintext is allowed only when set AND the client is on a loopback address. */
  readonly allowPlaintextOnLoopback: boolean;
  readonly maxMessageBytes?: number;
  readonly timeoutMs?: number;
}

/** A client that has said who it claims to be and handed over its token. */
export interface ClientHello {
  readonly kind: 'session';
  readonly socket: Duplex;
  readonly stream: FrameStream;
  readonly tls: boolean;
  readonly user: string;
  readonly database: string | undefined;
  readonly applicationName: string | undefined;
  /** Parameters to pass upstream (allow-listed). */
  readonly forwardedParameters: ReadonlyMap<string, string>;
  /** The credential from the password slot. Never logged. */
  readonly token: string;
}

export interface ClientCancel {
  readonly kind: 'cancel';
  readonly processId: number;
  readonly secretKey: Buffer;
}

/** The handshake failed in a way the client has already been told about (a FATAL was sent). */
export class HandshakeRefusedError extends GatehouseError {
  constructor(message: string) {
    super('postgres.handshake-refused', message);
  }
}

export function isLoopback(address: string): boolean {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

/**
 * The client's side of connection start: SSLRequest → TLS (GSSENCRequest refused with 'N'),
 * StartupMessage, then AuthenticationCleartextPassword to receive the token. A CancelRequest ends
 * the handshake early.
 */
export async function clientHandshake(
  socket: Socket,
  clientAddress: string,
  options: ClientHandshakeOptions,
): Promise<ClientHello | ClientCancel> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const readerOptions = options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {};
  let transport: Duplex = socket;
  let stream = new FrameStream(socket, new FrontendReader(readerOptions), 'client');
  let tls = false;

  for (;;) {
    const frame = await stream.next(timeoutMs);
    const packet = decodeStartupPacket(frame);
    if (packet.type === 'cancelRequest') {
      stream.detach();
      return { kind: 'cancel', processId: packet.processId, secretKey: Buffer.from(packet.secretKey) };
    }
    if (packet.type === 'gssencRequest') {
      socket.write('N');
      stream.unshift((stream.reader as FrontendReader).resume());
      continue;
    }
    if (packet.type === 'sslRequest') {
      if (tls) throw new ProtocolError(ProtocolErrorCode.UnexpectedData, 'SSLRequest inside an encrypted connection');
      // Bytes sent after SSLRequest but before the handshake would be injected plaintext.
      if (stream.reader.bufferedBytes > 0) {
        throw new ProtocolError(ProtocolErrorCode.UnexpectedData, 'client sent data before the TLS handshake');
      }
      stream.detach();
      socket.write('S');
      transport = await upgradeToTls(socket, options.secureContext, timeoutMs);
      stream = new FrameStream(transport, new FrontendReader(readerOptions), 'client');
      tls = true;
      continue;
    }

    // StartupMessage
    if (!tls && !(options.allowPlaintextOnLoopback && isLoopback(clientAddress))) {
      transport.end(tlsRequiredError());
      throw new HandshakeRefusedError('plaintext connection refused');
    }
    const params = packet.params;
    for (const name of params.keys()) {
      if (REFUSED_PARAMETERS.has(name) && params.get(name) !== '' && !(name === 'replication' && params.get(name) === 'false')) {
        transport.end(unsupportedStartupOptionError(name));
        throw new HandshakeRefusedError(`startup parameter ${name} refused`);
      }
    }
    const user = params.get('user');
    if (!user) {
      transport.end(unsupportedStartupOptionError('user (missing)'));
      throw new HandshakeRefusedError('no user in StartupMessage');
    }
    const encoding = params.get('client_encoding');
    if (encoding !== undefined && !isSafeClientEncoding(encoding)) {
      transport.end(unsupportedStartupOptionError(`client_encoding=${encoding} (use UTF8)`));
      throw new HandshakeRefusedError(`client_encoding ${encoding} refused`);
    }
    const forwarded = new Map<string, string>();
    for (const [name, value] of params) if (FORWARDED_PARAMETERS.has(name)) forwarded.set(name, value);
    if (encoding === undefined) forwarded.set('client_encoding', 'UTF8');

    transport.write(encodeAuthenticationCleartextPassword());
    const reply = await stream.next(timeoutMs);
    if (reply.kind !== 'typed' || reply.code !== FrontendCode.PasswordMessage) {
      throw new ProtocolError(ProtocolErrorCode.UnexpectedData, 'expected a password message after AuthenticationCleartextPassword');
    }
    const { password } = decodePasswordMessage(reply);
    return {
      kind: 'session',
      socket: transport,
      stream,
      tls,
      user,
      database: params.get('database'),
      applicationName: params.get('application_name'),
      forwardedParameters: forwarded,
      token: password,
    };
  }
}

function upgradeToTls(socket: Socket, secureContext: SecureContext, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = new TLSSocket(socket, { isServer: true, secureContext });
    // A socket error with no listener would crash the process (every session): always listen.
    secure.on('error', () => undefined);
    const timer = setTimeout(() => {
      secure.destroy();
      reject(new HandshakeRefusedError('TLS handshake timed out'));
    }, timeoutMs);
    secure.once('secure', () => {
      clearTimeout(timer);
      resolve(secure);
    });
    secure.once('error', (error) => {
      clearTimeout(timer);
      reject(new HandshakeRefusedError(`TLS handshake failed: ${error.message}`));
    });
  });
}
