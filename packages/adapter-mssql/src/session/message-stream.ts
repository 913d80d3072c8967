import type { Duplex } from 'node:stream';
import { TransportError, TransportErrorCode } from '../errors.js';
import { MessageAssembler } from '../protocol/message.js';
import type { Message } from '../protocol/message.js';
import { PacketReader } from '../protocol/packet-reader.js';
import type { PacketReaderOptions } from '../protocol/packet-reader.js';

/**
 * Whole TDS messages pulled from a stream that may change under it: the socket, then TLS (TLS inside
 * PRELOGIN), then — with login-only encryption — the socket again. `detach()` stops reading and hands
 * back the bytes of an unfinished packet; `attach()` continues on another stream. The first error
 * (framing, socket) fails every pending and later `next()`.
 *
 * This is the login-phase reader: it assembles messages. The relay phase must not assemble server
 * responses (a result set can be any size); it works packet by packet with PacketReader directly.
 */
export class TdsMessageStream {
  private readonly reader: PacketReader;
  private readonly assembler = new MessageAssembler();
  private readonly ready: Message[] = [];
  private waiter: { resolve: (m: Message) => void; reject: (e: unknown) => void } | undefined;
  private failure: unknown;
  private stream: Duplex | undefined;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onEnd = (): void => this.fail(new TransportError(TransportErrorCode.Closed, `the ${this.side} closed the connection`));
  private readonly onError = (error: Error): void => this.fail(error);

  constructor(
    stream: Duplex,
    private readonly side: string,
    options: PacketReaderOptions = {},
    /** Bytes already read from `stream`, parsed first. */
    initial?: Buffer,
  ) {
    this.reader = new PacketReader(options);
    this.attach(stream, initial);
  }

  setPacketSize(size: number): void {
    this.reader.setPacketSize(size);
  }

  /** The next message; rejects on close, error, or after `timeoutMs`. */
  next(timeoutMs = 15_000): Promise<Message> {
    const message = this.ready.shift();
    if (message) return Promise.resolve(message);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new TransportError(TransportErrorCode.Closed, `no message from the ${this.side} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** Stops reading the current stream; returns bytes of an unfinished packet. */
  detach(): Buffer {
    if (this.stream) {
      this.stream.off('data', this.onData);
      this.stream.off('end', this.onEnd);
      this.stream.off('close', this.onEnd);
      this.stream.off('error', this.onError);
    }
    this.stream = undefined;
    return this.reader.drain();
  }

  /** Reads from `stream` from now on, starting with `initial`. */
  attach(stream: Duplex, initial?: Buffer): void {
    this.stream = stream;
    stream.on('data', this.onData);
    stream.once('end', this.onEnd);
    stream.once('close', this.onEnd);
    stream.on('error', this.onError);
    stream.resume();
    if (initial && initial.length > 0) this.receive(initial);
  }

  private receive(chunk: Buffer): void {
    try {
      for (const packet of this.reader.push(chunk)) {
        const message = this.assembler.push(packet);
        if (!message) continue;
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = undefined;
          w.resolve(message);
        } else this.ready.push(message);
      }
    } catch (error) {
      this.fail(error);
      this.stream?.destroy();
    }
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(error);
  }
}
