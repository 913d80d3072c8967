import type { Duplex } from 'node:stream';
import { GatehouseError } from '@gatehouse/core';

/** The peer closed (or the socket failed) while a message was awaited. */
export class ConnectionClosedError extends GatehouseError {
  constructor(peer: string) {
    super('session.connection-closed', `${peer} closed the connection`);
  }
}

/** A handshake step took too long (a client that opens a socket and says nothing). */
export class HandshakeTimeoutError extends GatehouseError {
  constructor(peer: string, ms: number) {
    super('session.handshake-timeout', `${peer} did not answer within ${ms} ms`);
  }
}

/** Any push-style protocol reader: bytes in, whole messages out (throwing on malformed input). */
export interface PushMessageReader<Message> {
  push(chunk: Buffer): Message[];
}

/**
 * Awaitable messages for the handshake phases of any dialect (startup, authentication), where each
 * step waits for the next message. Steady-state relays do not use it: they handle messages as events.
 */
export class AwaitableStream<Message, Reader extends PushMessageReader<Message> = PushMessageReader<Message>> {
  readonly #socket: Duplex;
  readonly #reader: Reader;
  readonly #peer: string;
  readonly #queue: Message[] = [];
  #waiter: { resolve: (message: Message) => void; reject: (error: unknown) => void } | undefined;
  #failure: unknown;
  readonly #onData = (chunk: Buffer) => this.#push(chunk);
  readonly #onEnd = () => this.#fail(new ConnectionClosedError(this.#peer));

  constructor(socket: Duplex, reader: Reader, peer: string) {
    this.#socket = socket;
    this.#reader = reader;
    this.#peer = peer;
    socket.on('data', this.#onData);
    socket.on('close', this.#onEnd);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onEnd);
  }

  get reader(): Reader {
    return this.#reader;
  }

  get socket(): Duplex {
    return this.#socket;
  }

  /** The next message, or a rejection when the peer closes, breaks framing, or `timeoutMs` passes. */
  next(timeoutMs = 30_000): Promise<Message> {
    if (this.#queue.length > 0) return Promise.resolve(this.#queue.shift()!);
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new HandshakeTimeoutError(this.#peer, timeoutMs));
      }, timeoutMs);
      this.#waiter = {
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
  }

  /** Puts back messages the caller got elsewhere (e.g. from a reader's `resume()`), ahead of the queue. */
  unshift(messages: readonly Message[]): void {
    this.#queue.unshift(...messages);
  }

  /** Feeds bytes that arrived elsewhere (e.g. held back by a previous reader) as if read from the socket. */
  feed(bytes: Buffer): void {
    if (bytes.length > 0) this.#push(bytes);
  }

  /** Stops listening and hands over messages already read but not consumed. */
  detach(): Message[] {
    this.#socket.off('data', this.#onData);
    this.#socket.off('close', this.#onEnd);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('error', this.#onEnd);
    return this.#queue.splice(0);
  }

  #push(chunk: Buffer): void {
    let messages: Message[];
    try {
      messages = this.#reader.push(chunk);
    } catch (error) {
      this.#fail(error);
      return;
    }
    for (const message of messages) {
      const waiter = this.#waiter;
      if (waiter) {
        this.#waiter = undefined;
        waiter.resolve(message);
      } else {
        this.#queue.push(message);
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
