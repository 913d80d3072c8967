import { DEFAULT_PACKET_SIZE, HEADER_LENGTH, PacketStatus } from './packet.js';

export interface MessageWriterOptions {
  readonly packetSize?: number;
  readonly spid?: number;
  /** Status bits of the first packet besides EOM. */
  readonly firstStatus?: number;
}

/**
 * Streams one message as packets: bytes pushed in any pieces (tokens, rewritten rows) are cut into
 * full packets as soon as a packet's worth is buffered, so a million-row result is never held whole.
 * `end()` sends the last packet with EOM. `sink` returns false for backpressure; `push` passes that on.
 */
export class StreamingMessageWriter {
  private readonly packetSize: number;
  private readonly chunk: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private packetId = 1;
  private first = true;
  private ended = false;

  constructor(
    private readonly type: number,
    private readonly sink: (bytes: Buffer) => boolean,
    private readonly options: MessageWriterOptions = {},
  ) {
    this.packetSize = options.packetSize ?? DEFAULT_PACKET_SIZE;
    this.chunk = this.packetSize - HEADER_LENGTH;
  }

  /** Appends bytes; returns false when the sink asked to wait (drain) before more is pushed. */
  push(bytes: Buffer): boolean {
    if (this.ended) throw new Error('StreamingMessageWriter: push after end');
    if (bytes.length === 0) return true;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    let ok = true;
    // Keep at least one byte back so the last packet (with EOM) is never empty unless the message is.
    while (this.pendingBytes > this.chunk) ok = this.emit(this.chunk, false) && ok;
    return ok;
  }

  /** Sends what is left as the last packet (EOM). */
  end(): boolean {
    if (this.ended) return true;
    this.ended = true;
    return this.emit(this.pendingBytes, true);
  }

  private emit(n: number, last: boolean): boolean {
    const out = Buffer.allocUnsafe(HEADER_LENGTH + n);
    let at = HEADER_LENGTH;
    let left = n;
    while (left > 0) {
      const head = this.pending[0]!;
      const take = Math.min(head.length, left);
      head.copy(out, at, 0, take);
      at += take;
      left -= take;
      if (take === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(take);
    }
    this.pendingBytes -= n;
    out[0] = this.type;
    out[1] = (last ? PacketStatus.EndOfMessage : 0) | (this.first ? (this.options.firstStatus ?? 0) : 0);
    out.writeUInt16BE(HEADER_LENGTH + n, 2);
    out.writeUInt16BE(this.options.spid ?? 0, 4);
    out[6] = this.packetId & 0xff;
    out[7] = 0;
    this.packetId++;
    this.first = false;
    return this.sink(out);
  }
}
