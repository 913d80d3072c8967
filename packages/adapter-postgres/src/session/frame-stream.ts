import type { Duplex } from 'node:stream';
import { GatehouseError } from '@gatehouse/core';
import type { Frame } from '../protocol/frame.js';
import type { PushReader } from '../protocol/push-reader.js';

/** The peer closed (or the socket failed) while a frame was awaited. */
export class ConnectionClosedError extends GatehouseError {
  constructor(peer: string) {
    super('postgres.connection-closed', `${peer} closed the connection`);
  }
}

/** A handshake phase took too long (a client that opens a socket and says nothing). */
export class HandshakeTimeoutError extends GatehouseError {
  constructor(peer: string, ms: number) {
    super('postgres.handshake-timeout', `${peer} did not complete the handshake within ${ms} ms`);
  }
}

/**
 * Awaitable frames for the handshake phases (startup, authentication), where each step waits for
 * the next message. The steady-state relay does not use it: it handles frames as events.
 */
export class FrameStream {
  readonly #socket: Duplex;
  readonly #reader: PushReader;
  readonly #peer: string;
  readonly #queue: Frame[] = [];
  #waiter: { resolve: (frame: Frame) => void; reject: (error: unknown) => void } | undefined;
  #failure: unknown;
  readonly #onData = (chunk: Buffer) => this.#push(chunk);
  readonly #onEnd = () => this.#fail(new ConnectionClosedError(this.#peer));

  constructor(socket: Duplex, reader: PushReader, peer: string) {
    this.#socket = socket;
    this.#reader = reader;
    this.#peer = peer;
    socket.on('data', this.#onData);
    socket.on('close', this.#onEnd);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onEnd);
  }

  get reader(): PushReader {
    return this.#reader;
  }

  /** The next frame, or a rejection when the peer closes, breaks framing, or `timeoutMs` passes. */
  next(timeoutMs = 30_000): Promise<Frame> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new HandshakeTimeoutError(this.#peer, timeoutMs));
      }, timeoutMs);
      this.#waiter = {
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
  }

  /** Feeds frames the caller got elsewhere (e.g. from `reader.resume()`). */
  unshift(frames: readonly Frame[]): void {
    this.#queue.unshift(...frames);
  }

  /** Stops listening and hands over frames already read but not consumed. */
  detach(): Frame[] {
    this.#socket.off('data', this.#onData);
    this.#socket.off('close', this.#onEnd);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('error', this.#onEnd);
    return this.#queue.splice(0);
  }

  #push(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.#reader.push(chunk);
    } catch (error) {
      this.#fail(error);
      return;
    }
    for (const frame of frames) {
      const waiter = this.#waiter;
      if (waiter) {
        this.#waiter = undefined;
        waiter.resolve(frame);
      } else {
        this.#queue.push(frame);
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
