import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { GatehouseError } from '@gatehouse/core';
import { decodeLogin7, FedAuthLibrary, OPTION_FLAGS2_INTEGRATED_SECURITY } from '../protocol/login7.js';
import type { Login7 } from '../protocol/login7.js';
import { encodeMessage, MAX_PACKET_SIZE, MIN_PACKET_SIZE, PacketType } from '../protocol/packet.js';
import { decodePrelogin, Encryption, ENCRYPT_CLIENT_CERT, encodePrelogin, negotiateEncryption } from '../protocol/prelogin.js';
import type { Prelogin } from '../protocol/prelogin.js';
import { acceptStrictTls, acceptTlsInPrelogin } from '../tls/tls-setup.js';
import { loginFailedTokens } from './native-errors.js';
import { TdsMessageStream } from './message-stream.js';

/** The oldest LOGIN7 version the codec's token formats fit (TDS 7.2: 64-bit DONE row counts). */
const MIN_TDS_VERSION = 0x72090002;
const TLS_HANDSHAKE_RECORD = 0x16;

export interface ClientHandshakeOptions {
  /** The gateway's certificate; without one, only plaintext clients can connect. */
  readonly certificate: { readonly key: string | Buffer; readonly cert: string | Buffer } | undefined;
  /** Let loopback clients that cannot encrypt (ENCRYPT_NOT_SUP) in, token in clear (development only). */
  readonly allowPlaintextOnLoopback?: boolean;
  readonly timeoutMs?: number;
  /** Cap on the LOGIN7 message (default 128 KiB). */
  readonly maxLoginBytes?: number;
}

/** Who the client says it is, over which transport. */
export interface ClientHello {
  /** Where the session continues: the TLS socket, or the TCP socket for plaintext clients. */
  readonly stream: Duplex;
  readonly messages: TdsMessageStream;
  readonly encryption: 'none' | 'full' | 'strict';
  readonly prelogin: Prelogin;
  readonly login: Login7;
  /** The identity claimed: LOGIN7's user name (empty for FEDAUTH clients). */
  readonly user: string;
  /** The token to verify: from the password slot, or a FEDAUTH access token (tedious `azure-active-directory-access-token`). */
  readonly credential: { readonly kind: 'password' | 'fedauth'; readonly token: string };
  /** The packet size the client asked for, clamped to what SQL Server accepts. */
  readonly packetSize: number;
}

/** The client was turned away during the handshake; it has already been told (18456) when it could be. */
export class HandshakeRefusedError extends GatehouseError {
  constructor(message: string) {
    super('mssql.handshake-refused', message);
  }
}

function isLoopback(address: string): boolean {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || (isIP(plain) === 4 && plain.startsWith('127.'));
}

/**
 * The client side of a gateway session, up to a decoded LOGIN7: TDS 8 strict (TLS first) or PRELOGIN
 * with encryption negotiation, where the gateway answers ENCRYPT_REQ whenever it has a certificate —
 * so a client offering ENCRYPT_OFF (FreeTDS's default) is encrypted fully, never login-only — then
 * TLS inside PRELOGIN, then LOGIN7. A token is only accepted over TLS (or from loopback in clear when
 * allowed). Integrated (SSPI) and ADAL-workflow logins are refused: the gateway verifies tokens only.
 */
export async function clientHandshake(socket: Duplex, clientAddress: string, options: ClientHandshakeOptions): Promise<ClientHello> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const first = await firstChunk(socket, timeoutMs);
  let stream: Duplex = socket;
  let strict = false;
  if (first[0] === TLS_HANDSHAKE_RECORD) {
    if (!options.certificate) throw new HandshakeRefusedError('TDS 8 strict encryption needs the gateway to have a certificate');
    stream = (await acceptStrictTls(socket, { ...options.certificate, initial: first, timeoutMs })).tls;
    strict = true;
  }
  const limits = { maxMessageBytes: options.maxLoginBytes ?? 128 * 1024, allowedTypes: [PacketType.Prelogin, PacketType.Login7] };
  const messages = new TdsMessageStream(stream, 'client', limits, strict ? undefined : first);
  const preloginMessage = await messages.next(timeoutMs);
  if (preloginMessage.type !== PacketType.Prelogin) throw new HandshakeRefusedError('the first message was not PRELOGIN');
  const prelogin = decodePrelogin(preloginMessage.payload);
  const offered = (prelogin.encryption ?? Encryption.NotSupported) & ~ENCRYPT_CLIENT_CERT;
  const plaintextAllowed = options.allowPlaintextOnLoopback === true && isLoopback(clientAddress);
  const setting = strict ? Encryption.NotSupported : !options.certificate ? Encryption.NotSupported : offered === Encryption.NotSupported && plaintextAllowed ? Encryption.Off : Encryption.Required;
  const { response, outcome } = strict ? { response: Encryption.NotSupported, outcome: 'none' as const } : negotiateEncryption(offered, setting);
  stream.write(
    encodeMessage(
      PacketType.TabularResult,
      encodePrelogin({
        version: { major: 16, minor: 0, build: 0, subbuild: 0 },
        encryption: response,
        instance: Buffer.alloc(0),
        mars: false,
        ...(prelogin.fedAuthRequired !== undefined ? { fedAuthRequired: false } : {}),
      }),
    ),
  );
  if (outcome === 'refuse' || outcome === 'login-only') {
    socket.end();
    throw new HandshakeRefusedError(options.certificate ? 'the client cannot encrypt and the gateway requires TLS' : 'the client requires TLS and the gateway has no certificate');
  }
  let encryption: ClientHello['encryption'] = strict ? 'strict' : 'none';
  if (outcome === 'full') {
    const leftover = messages.detach();
    stream = (await acceptTlsInPrelogin(socket, { ...options.certificate!, initial: leftover, timeoutMs })).tls;
    messages.attach(stream);
    encryption = 'full';
  }
  const loginMessage = await messages.next(timeoutMs);
  if (loginMessage.type !== PacketType.Login7) throw new HandshakeRefusedError('expected LOGIN7 after PRELOGIN');
  const login = decodeLogin7(loginMessage.payload);
  const refuse = (reason: string): never => {
    stream.end(encodeMessage(PacketType.TabularResult, loginFailedTokens(login.userName)));
    throw new HandshakeRefusedError(reason);
  };
  if (login.tdsVersion < MIN_TDS_VERSION && login.tdsVersion !== 0x08000000) refuse(`TDS version 0x${login.tdsVersion.toString(16)} is older than 7.2`);
  if ((login.optionFlags2 & OPTION_FLAGS2_INTEGRATED_SECURITY) !== 0 || login.sspi.length > 0) refuse('integrated (SSPI) authentication is not supported; use a token');
  let credential: ClientHello['credential'];
  if (login.fedAuth) {
    if (login.fedAuth.library !== FedAuthLibrary.SecurityToken || !login.fedAuth.token) refuse('only FEDAUTH security tokens (access tokens) are supported');
    credential = { kind: 'fedauth', token: login.fedAuth!.token!.toString('utf16le') };
  } else {
    credential = { kind: 'password', token: login.password };
  }
  if (encryption === 'none' && !plaintextAllowed) refuse('a token must not travel in clear');
  const packetSize = login.packetSize === 0 ? 4096 : Math.min(MAX_PACKET_SIZE, Math.max(MIN_PACKET_SIZE, login.packetSize));
  return { stream, messages, encryption, prelogin, login, user: login.userName, credential, packetSize };
}

function firstChunk(socket: Duplex, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new HandshakeRefusedError(`no PRELOGIN within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer): void => done(undefined, chunk);
    const onClose = (): void => done(new HandshakeRefusedError('the client left before PRELOGIN'));
    const done = (error: Error | undefined, chunk?: Buffer): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      socket.pause();
      if (error) reject(error);
      else resolve(chunk!);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onClose);
  });
}
