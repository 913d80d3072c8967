import type { Duplex } from 'node:stream';
import { GatehouseError } from '@gatehouse/core';
import type { Packet } from '../protocol/packet.js';
import type { PacketReader } from '../protocol/packet-reader.js';

/** The peer closed (or the socket failed) while a packet was awaited. */
export class ConnectionClosedError extends GatehouseError {
  constructor(peer: string) {
    super('mysql.connection-closed', `${peer} closed the connection`);
  }
}

/** A handshake phase took too long (a client that opens a socket and says nothing). */
export class HandshakeTimeoutError extends GatehouseError {
  constructor(peer: string, ms: number) {
    super('mysql.handshake-timeout', `${peer} did not answer within ${ms} ms`);
  }
}

/**
 * Awaitable packets for the handshake phases (greeting, authentication), where each step waits for
 * the next packet. The steady-state relay does not use it: it handles packets as events.
 */
export class PacketStream {
  readonly #socket: Duplex;
  readonly #reader: PacketReader;
  readonly #peer: string;
  readonly #queue: Packet[] = [];
  #waiter: { resolve: (packet: Packet) => void; reject: (error: unknown) => void } | undefined;
  #failure: unknown;
  readonly #onData = (chunk: Buffer) => this.#push(chunk);
  readonly #onEnd = () => this.#fail(new ConnectionClosedError(this.#peer));

  constructor(socket: Duplex, reader: PacketReader, peer: string) {
    this.#socket = socket;
    this.#reader = reader;
    this.#peer = peer;
    socket.on('data', this.#onData);
    socket.on('close', this.#onEnd);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onEnd);
  }

  get reader(): PacketReader {
    return this.#reader;
  }

  get socket(): Duplex {
    return this.#socket;
  }

  /** The next packet, or a rejection when the peer closes, breaks framing, or `timeoutMs` passes. */
  next(timeoutMs = 30_000): Promise<Packet> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new HandshakeTimeoutError(this.#peer, timeoutMs));
      }, timeoutMs);
      this.#waiter = {
        resolve: (packet) => {
          clearTimeout(timer);
          resolve(packet);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
  }

  /** Feeds bytes that arrived elsewhere (e.g. held back by a previous reader) as if read from the socket. */
  feed(bytes: Buffer): void {
    if (bytes.length > 0) this.#push(bytes);
  }

  /** Stops listening and hands over packets already read but not consumed. */
  detach(): Packet[] {
    this.#socket.off('data', this.#onData);
    this.#socket.off('close', this.#onEnd);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('error', this.#onEnd);
    return this.#queue.splice(0);
  }

  #push(chunk: Buffer): void {
    let packets: Packet[];
    try {
      packets = this.#reader.push(chunk);
    } catch (error) {
      this.#fail(error);
      return;
    }
    for (const packet of packets) {
      const waiter = this.#waiter;
      if (waiter) {
        this.#waiter = undefined;
        waiter.resolve(packet);
      } else {
        this.#queue.push(packet);
      }
    }
  }

  #fail(error: unknown): void {
    this.#failure ??= error;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(this.#failure);
  }
}
