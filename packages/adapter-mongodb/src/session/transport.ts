import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { SecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import { GatehouseError } from '@gatehouse/core';

/** The first byte of a TLS ClientHello record (content type 22, handshake). */
const TLS_HANDSHAKE_RECORD = 0x16;

export class TransportRefusedError extends GatehouseError {
  constructor(message: string) {
    super('mongodb.transport-refused', message);
  }
}

export function isLoopback(address: string): boolean {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

/**
 * MongoDB has no STARTTLS: a TLS client starts with a ClientHello, a plaintext one with a message
 * header. The first chunk is peeked (and put back) to tell which; TLS is then terminated here.
 */
export function acceptTransport(socket: Socket, secureContext: SecureContext, timeoutMs: number): Promise<{ stream: Duplex; tls: boolean }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TransportRefusedError(`client sent nothing within ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (message: string): void => {
      clearTimeout(timer);
      reject(new TransportRefusedError(message));
    };
    socket.once('close', () => fail('client left before its first message'));
    socket.once('error', (error) => fail(`client socket error: ${error.message}`));
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      if (chunk[0] !== TLS_HANDSHAKE_RECORD) {
        clearTimeout(timer);
        resolve({ stream: socket, tls: false });
        return;
      }
      const secure = new TLSSocket(socket, { isServer: true, secureContext });
      secure.once('secure', () => {
        clearTimeout(timer);
        resolve({ stream: secure, tls: true });
      });
      secure.once('error', (error) => {
        secure.destroy();
        fail(`TLS handshake failed: ${error.message}`);
      });
    });
  });
}
