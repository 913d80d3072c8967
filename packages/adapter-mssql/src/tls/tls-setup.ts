import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { TransportError, TransportErrorCode } from '../errors.js';
import { TlsInPreloginCarrier } from './tls-in-prelogin.js';

/** A TLS session over a TDS connection, and the carrier under it (for login-only detaching). */
export interface TdsTls {
  readonly tls: tls.TLSSocket;
  readonly carrier: TlsInPreloginCarrier;
}

/** ALPN protocol id of TDS 8 (strict encryption). */
export const TDS8_ALPN = 'tds/8.0';

export interface ServerTlsOptions {
  /** Key and certificate (PEM). */
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  /** Bytes already read from the socket that belong to the TLS stream. */
  readonly initial?: Buffer;
  readonly packetSize?: number;
  /** Handshake timeout, default 15 s. */
  readonly timeoutMs?: number;
}

/**
 * Server side of TDS 7.x encryption: runs the TLS handshake carried in PRELOGIN packets (the client
 * starts it right after the PRELOGIN exchange). TLS is capped at 1.2, as SQL Server does for TDS 7.x.
 */
export async function acceptTlsInPrelogin(socket: Duplex, options: ServerTlsOptions): Promise<TdsTls> {
  const carrier = new TlsInPreloginCarrier(socket, { mode: 'wrapped', ...optionalInitial(options) });
  const context = tls.createSecureContext({ key: options.key, cert: options.cert, maxVersion: 'TLSv1.2' });
  const secure = new tls.TLSSocket(carrier, { isServer: true, secureContext: context });
  await handshake(secure, carrier, options.timeoutMs);
  return { tls: secure, carrier };
}

/**
 * Server side of TDS 8 (strict): TLS from the first byte, ALPN `tds/8.0`, any TLS version; PRELOGIN
 * then travels inside TLS.
 */
export async function acceptStrictTls(socket: Duplex, options: ServerTlsOptions): Promise<TdsTls> {
  const carrier = new TlsInPreloginCarrier(socket, { mode: 'raw', ...optionalInitial(options) });
  const context = tls.createSecureContext({ key: options.key, cert: options.cert });
  const secure = new tls.TLSSocket(carrier, { isServer: true, secureContext: context, ALPNProtocols: [TDS8_ALPN] });
  await handshake(secure, carrier, options.timeoutMs);
  return { tls: secure, carrier };
}

export interface ClientTlsOptions extends Omit<tls.ConnectionOptions, 'socket' | 'host' | 'port' | 'path'> {
  readonly packetSize?: number;
  readonly timeoutMs?: number;
}

/** Client side of TDS 7.x encryption (the gateway towards SQL Server): TLS inside PRELOGIN packets. */
export async function connectTlsInPrelogin(socket: Duplex, options: ClientTlsOptions): Promise<TdsTls> {
  const { packetSize, timeoutMs, ...tlsOptions } = options;
  const carrier = new TlsInPreloginCarrier(socket, { mode: 'wrapped', ...(packetSize !== undefined ? { packetSize } : {}) });
  const secure = tls.connect({ ...tlsOptions, maxVersion: 'TLSv1.2', socket: carrier });
  await handshake(secure, carrier, timeoutMs, 'secureConnect');
  return { tls: secure, carrier };
}

/** Client side of TDS 8 strict: TLS first, ALPN `tds/8.0`. */
export async function connectStrictTls(socket: Duplex, options: ClientTlsOptions): Promise<TdsTls> {
  const { timeoutMs, packetSize: _packetSize, ...tlsOptions } = options;
  const carrier = new TlsInPreloginCarrier(socket, { mode: 'raw' });
  const secure = tls.connect({ ALPNProtocols: [TDS8_ALPN], ...tlsOptions, socket: carrier });
  await handshake(secure, carrier, timeoutMs, 'secureConnect');
  return { tls: secure, carrier };
}

function optionalInitial(options: ServerTlsOptions): { initial?: Buffer; packetSize?: number } {
  return { ...(options.initial ? { initial: options.initial } : {}), ...(options.packetSize !== undefined ? { packetSize: options.packetSize } : {}) };
}

async function handshake(secure: tls.TLSSocket, carrier: TlsInPreloginCarrier, timeoutMs = 15_000, event = 'secure'): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    await Promise.race([
      once(secure, event, { signal: controller.signal }),
      once(carrier, 'close', { signal: controller.signal }).then(() => {
        throw new TransportError(TransportErrorCode.Closed, 'the connection closed during the TLS handshake');
      }),
    ]);
  } catch (error) {
    secure.destroy();
    carrier.destroy();
    if (error instanceof TransportError) throw error;
    const aborted = controller.signal.aborted;
    throw new TransportError(
      TransportErrorCode.Handshake,
      aborted ? `TLS handshake did not finish within ${timeoutMs} ms` : `TLS handshake failed: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  carrier.handshakeComplete();
}
