import type { Duplex } from 'node:stream';
import { GatehouseError } from '@gatehouse/core';
import type { MongoMessage } from '../protocol/message.js';
import type { MessageReader } from '../protocol/message-reader.js';

/** The peer closed (or failed, or timed out) while a message was awaited. */
export class ConnectionClosedError extends GatehouseError {
  constructor(message: string) {
    super('mongodb.connection-closed', message);
  }
}

/**
 * Awaitable messages for request/response phases (upstream login, probes): each step waits for the
 * next message. The relay does not use it: it handles messages as events.
 */
export class MessageStream {
  readonly #socket: Duplex;
  readonly #reader: MessageReader;
  readonly #peer: string;
  readonly #queue: MongoMessage[] = [];
  #waiter: { resolve: (message: MongoMessage) => void; reject: (error: unknown) => void } | undefined;
  #failure: unknown;
  readonly #onData = (chunk: Buffer): void => this.#push(chunk);
  readonly #onEnd = (): void => this.#fail(new ConnectionClosedError(`${this.#peer} closed the connection`));

  constructor(socket: Duplex, reader: MessageReader, peer: string) {
    this.#socket = socket;
    this.#reader = reader;
    this.#peer = peer;
    socket.on('data', this.#onData);
    socket.on('close', this.#onEnd);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onEnd);
  }

  get reader(): MessageReader {
    return this.#reader;
  }

  next(timeoutMs = 30_000): Promise<MongoMessage> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new ConnectionClosedError(`${this.#peer} did not answer within ${timeoutMs} ms`));
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

  /** Stops listening and hands over messages read but not consumed. */
  detach(): MongoMessage[] {
    this.#socket.off('data', this.#onData);
    this.#socket.off('close', this.#onEnd);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('error', this.#onEnd);
    return this.#queue.splice(0);
  }

  #push(chunk: Buffer): void {
    let messages: MongoMessage[];
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
      } else this.#queue.push(message);
    }
  }

  #fail(error: unknown): void {
    this.#failure ??= error;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(this.#failure);
  }
}
