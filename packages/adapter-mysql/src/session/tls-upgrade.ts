import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { SecureContext } from 'node:tls';
import { GatehouseError } from '@gatehouse/core';

/** The TLS handshake with the client failed or timed out. */
export class TlsHandshakeError extends GatehouseError {
  constructor(message: string) {
    super('mysql.tls-handshake', message);
  }
}

/**
 * A MySQL client sends its TLS ClientHello right behind SSLRequest without waiting for an answer,
 * so bytes of it may already have been read. TLSSocket reads a net.Socket's handle directly and
 * would miss them; in that (rare) case the socket is wrapped in a Duplex that replays them first.
 */
function withLeftover(socket: Socket, leftover: Buffer): Duplex {
  const wrapper = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end();
      callback();
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  wrapper.push(leftover);
  socket.on('data', (chunk: Buffer) => {
    if (!wrapper.push(chunk)) socket.pause();
  });
  socket.on('end', () => wrapper.push(null));
  socket.on('close', () => wrapper.destroy());
  socket.on('error', (error) => wrapper.destroy(error));
  return wrapper;
}

/** Server-side TLS on an accepted socket; `leftover` are bytes of the ClientHello already read. */
export function upgradeToTls(socket: Socket, leftover: Buffer, secureContext: SecureContext, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const transport = leftover.length > 0 ? withLeftover(socket, leftover) : socket;
    const secure = new TLSSocket(transport, { isServer: true, secureContext });
    const timer = setTimeout(() => {
      secure.destroy();
      reject(new TlsHandshakeError('TLS handshake timed out'));
    }, timeoutMs);
    secure.once('secure', () => {
      clearTimeout(timer);
      resolve(secure);
    });
    secure.once('error', (error) => {
      clearTimeout(timer);
      reject(new TlsHandshakeError(`TLS handshake failed: ${error.message}`));
    });
  });
}
