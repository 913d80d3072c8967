import { connect as connectTcp } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as connectTls } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { GatehouseError } from '@gatehouse/core';
import { UpstreamAuthenticator } from '../auth/upstream-authenticator.js';
import { BackendCode } from '../protocol/codes.js';
import { BackendReader } from '../protocol/backend-reader.js';
import type { Frame } from '../protocol/frame.js';
import { decodeAuthentication } from '../protocol/messages/authentication.js';
import { decodeErrorResponse } from '../protocol/messages/error-notice.js';
import { decodeBackendKeyData, decodeReadyForQuery } from '../protocol/messages/session.js';
import { decodeEncryptionResponse, encodeCancelRequest, encodeSSLRequest, encodeStartupMessage } from '../protocol/messages/startup.js';
import { FrameStream } from './frame-stream.js';
import { UpstreamReads } from './upstream-reads.js';

/** How the gateway reaches and logs in to the database behind a connection. */
export interface PostgresUpstreamSettings {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  /** Node TLS options, or undefined for `tls: disable`. */
  readonly tls: ConnectionOptions | undefined;
  readonly connectTimeoutMs?: number;
  readonly maxMessageBytes?: number;
}

/** The upstream refused or failed the gateway's login; `serverMessage` is the server's own text (unredacted). */
export class UpstreamLoginError extends GatehouseError {
  readonly sqlState: string | undefined;
  readonly serverMessage: string | undefined;

  constructor(message: string, details: { sqlState?: string; serverMessage?: string; cause?: unknown } = {}) {
    super('postgres.upstream-login', message, details.cause === undefined ? undefined : { cause: details.cause });
    this.sqlState = details.sqlState;
    this.serverMessage = details.serverMessage;
  }
}

/** A logged-in upstream session, positioned at its first ReadyForQuery. */
export interface UpstreamConnection {
  readonly socket: Duplex;
  readonly stream: FrameStream;
  readonly encrypted: boolean;
  /** A plaintext socket's reads: the relay says when their memory may be read into again. */
  readonly reads?: UpstreamReads;
  /** ParameterStatus and NoticeResponse frames sent during login, in order, to pass to the client. */
  readonly startupFrames: readonly Frame[];
  readonly backendKey: { readonly processId: number; readonly secretKey: Buffer } | undefined;
  readonly transactionStatus: 'I' | 'T' | 'E';
}

interface Transport {
  readonly socket: Duplex;
  readonly encrypted: boolean;
  /** A plaintext socket's reads (see UpstreamReads). */
  readonly reads?: UpstreamReads;
}

/** Opens a TCP connection (and TLS, when configured, after the PostgreSQL SSLRequest exchange). */
async function openTransport(settings: PostgresUpstreamSettings): Promise<Transport> {
  const timeoutMs = settings.connectTimeoutMs ?? 10_000;
  // TLS reads through the socket itself, so only a plaintext upstream reads into managed memory.
  const reads = settings.tls ? undefined : new UpstreamReads();
  const tcp = connectTcp({ host: settings.host, port: settings.port, noDelay: true, keepAlive: true, ...(reads ? { onread: reads.onread } : {}) });
  reads?.attach(tcp);
  // A socket error with no listener would crash the process (every session): always listen;
  // failures surface through the promises below and the 'close' handling of the relay.
  tcp.on('error', () => undefined);
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      tcp.once('connect', resolve);
      tcp.once('error', reject);
    }),
    timeoutMs,
    () => tcp.destroy(),
    `connecting to ${settings.host}:${settings.port}`,
  );
  if (!settings.tls) return { socket: tcp, encrypted: false, ...(reads ? { reads } : {}) };

  const reader = new BackendReader();
  const stream = new FrameStream(tcp, reader, 'upstream');
  reader.expectEncryptionResponse('ssl');
  tcp.write(encodeSSLRequest());
  const answer = decodeEncryptionResponse(await stream.next(timeoutMs));
  if (answer.answer !== 'S') {
    tcp.destroy();
    throw new UpstreamLoginError(`upstream ${settings.host}:${settings.port} refused TLS, which this connection requires`);
  }
  if (reader.bufferedBytes > 0) {
    tcp.destroy();
    throw new UpstreamLoginError('upstream sent data before the TLS handshake (possible injection); connection dropped');
  }
  stream.detach();
  const secure = connectTls({ ...settings.tls, socket: tcp });
  secure.on('error', () => undefined);
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    }),
    timeoutMs,
    () => secure.destroy(),
    `TLS handshake with ${settings.host}:${settings.port}`,
  );
  return { socket: secure, encrypted: true };
}

/**
 * Logs in to the upstream with the gateway's own credentials (SCRAM-SHA-256, md5 or password, as
 * the server asks) and reads up to the first ReadyForQuery.
 */
export async function connectUpstream(
  settings: PostgresUpstreamSettings,
  parameters: ReadonlyMap<string, string>,
): Promise<UpstreamConnection> {
  let transport: Transport;
  try {
    transport = await openTransport(settings);
  } catch (error) {
    if (error instanceof UpstreamLoginError) throw error;
    throw new UpstreamLoginError(`cannot reach upstream ${settings.host}:${settings.port}: ${(error as Error).message}`, { cause: error });
  }
  const { socket, encrypted, reads } = transport;
  const stream = new FrameStream(socket, new BackendReader(settings.maxMessageBytes ? { maxMessageBytes: settings.maxMessageBytes } : {}), 'upstream');
  try {
    const startup = new Map<string, string>([['user', settings.user], ['database', settings.database], ...parameters]);
    socket.write(encodeStartupMessage(startup));
    const authenticator = new UpstreamAuthenticator({ user: settings.user, password: settings.password, encrypted });
    const startupFrames: Frame[] = [];
    let backendKey: UpstreamConnection['backendKey'];
    for (;;) {
      const frame = await stream.next(settings.connectTimeoutMs ?? 10_000);
      switch (frame.code) {
        case BackendCode.Authentication: {
          const response = authenticator.respond(decodeAuthentication(frame));
          if (response) socket.write(response);
          break;
        }
        case BackendCode.ErrorResponse: {
          const error = decodeErrorResponse(frame);
          throw new UpstreamLoginError('upstream refused the gateway login', {
            sqlState: error.fields.get('C'),
            serverMessage: error.fields.get('M'),
          });
        }
        case BackendCode.BackendKeyData: {
          const key = decodeBackendKeyData(frame);
          backendKey = { processId: key.processId, secretKey: Buffer.from(key.secretKey) };
          break;
        }
        case BackendCode.ReadyForQuery:
          if (!authenticator.complete) throw new UpstreamLoginError('upstream said ReadyForQuery before authentication completed');
          return { socket, stream, encrypted, ...(reads ? { reads } : {}), startupFrames, backendKey, transactionStatus: decodeReadyForQuery(frame).status };
        case BackendCode.NegotiateProtocolVersion:
          break;
        default:
          startupFrames.push(frame);
      }
    }
  } catch (error) {
    socket.destroy();
    if (error instanceof UpstreamLoginError) throw error;
    throw new UpstreamLoginError(`upstream login failed: ${(error as Error).message}`, { cause: error });
  }
}

/** Sends a CancelRequest for an upstream backend on a fresh connection (over TLS when configured). */
export async function sendUpstreamCancel(settings: PostgresUpstreamSettings, processId: number, secretKey: Buffer): Promise<void> {
  const { socket } = await openTransport(settings);
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.once('error', () => resolve());
    socket.end(encodeCancelRequest(processId, secretKey));
    setTimeout(() => {
      socket.destroy();
      resolve();
    }, 5_000).unref();
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new UpstreamLoginError(`${what} timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
