import type { Duplex } from 'node:stream';
import { encodeMessage, MessageAssembler, PacketReader, StreamingMessageWriter } from '@gatehouse/adapter-mssql';
import type { Message } from '@gatehouse/adapter-mssql';

/**
 * One client's TDS message channel over whatever stream currently carries it (the socket, then a
 * TLS socket, then — with login-only encryption — the socket again). Incoming messages queue up for
 * `next()`; `onAttention` sees Attention messages the moment they arrive, even while a request runs.
 */
export class Channel {
  private reader = new PacketReader({ maxMessageBytes: 64 * 1024 * 1024, streamedTypes: [0x07] });
  private readonly assembler = new MessageAssembler();
  private readonly queue: Message[] = [];
  private waiter: { resolve: (m: Message | undefined) => void } | undefined;
  private stream: Duplex;
  private closed = false;
  packetSize = 4096;
  readonly spid: number;
  onAttention: (() => void) | undefined;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onClose = (): void => this.finish();

  constructor(stream: Duplex, spid: number, initial?: Buffer) {
    this.stream = stream;
    this.spid = spid;
    this.attach(stream);
    if (initial && initial.length > 0) this.receive(initial);
  }

  /** The stream messages currently travel on. */
  get current(): Duplex {
    return this.stream;
  }

  /** Stops reading (before a transport switch); returns bytes of an unfinished packet. */
  pause(): Buffer {
    this.stream.off('data', this.onData);
    this.stream.off('close', this.onClose);
    this.stream.off('end', this.onClose);
    return this.reader.drain();
  }

  /** Continues on another stream (TLS on, or TLS off again), replaying `initial` bytes first. */
  resume(stream: Duplex, initial?: Buffer): void {
    this.stream = stream;
    this.attach(stream);
    if (initial && initial.length > 0) this.receive(initial);
  }

  next(): Promise<Message | undefined> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.waiter = { resolve }));
  }

  /** Sends a whole message. */
  send(type: number, payload: Buffer): void {
    if (!this.stream.destroyed) this.stream.write(encodeMessage(type, payload, { packetSize: this.packetSize, spid: this.spid }));
  }

  /** A streaming writer for a large response; `drain()` waits when it reports backpressure. */
  writer(type: number): StreamingMessageWriter {
    return new StreamingMessageWriter(type, (bytes) => (this.stream.destroyed ? true : this.stream.write(bytes)), { packetSize: this.packetSize, spid: this.spid });
  }

  drain(): Promise<void> {
    if (this.stream.destroyed || !this.stream.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.once('drain', done);
      this.stream.once('close', done);
    });
  }

  /** Applies a negotiated packet size to both directions. */
  setPacketSize(size: number): void {
    this.packetSize = size;
    this.reader.setPacketSize(size);
  }

  private attach(stream: Duplex): void {
    stream.on('data', this.onData);
    stream.once('close', this.onClose);
    stream.once('end', this.onClose);
    stream.resume();
  }

  private receive(chunk: Buffer): void {
    try {
      for (const packet of this.reader.push(chunk)) {
        const message = this.assembler.push(packet);
        if (!message) continue;
        if (message.type === 0x06) {
          this.onAttention?.();
          continue;
        }
        this.deliver(message);
      }
    } catch (error) {
      this.stream.destroy(error as Error);
      this.finish();
    }
  }

  private deliver(message: Message): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve(message);
    } else this.queue.push(message);
  }

  private finish(): void {
    this.closed = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve(undefined);
    }
  }
}
