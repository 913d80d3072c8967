// Test-only: pull whole TDS messages from a stream.
import type { Duplex } from 'node:stream';
import { MessageAssembler } from '../protocol/message.js';
import type { Message } from '../protocol/message.js';
import { PacketReader } from '../protocol/packet-reader.js';

export class MessageQueue {
  private readonly reader = new PacketReader();
  private readonly assembler = new MessageAssembler();
  private readonly ready: Message[] = [];
  private waiter: ((m: Message) => void) | undefined;
  private readonly onData = (chunk: Buffer): void => {
    for (const packet of this.reader.push(chunk)) {
      const m = this.assembler.push(packet);
      if (!m) continue;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(m);
      } else this.ready.push(m);
    }
  };

  constructor(private readonly stream: Duplex) {
    stream.on('data', this.onData);
  }

  next(): Promise<Message> {
    const m = this.ready.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** Feeds bytes that arrived outside the stream (after a transport switch). */
  feed(bytes: Buffer): void {
    if (bytes.length > 0) this.onData(bytes);
  }

  stop(): void {
    this.stream.off('data', this.onData);
  }
}
