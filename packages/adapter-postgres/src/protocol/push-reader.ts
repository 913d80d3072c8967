import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { describeCode } from './codes.js';
import type { Frame } from './frame.js';
import { UNBOUNDED } from './message-rules.js';
import type { LengthRules } from './message-rules.js';

const EMPTY = Buffer.alloc(0);

/**
 * A frame that spans chunks is accumulated in a buffer of its own. Up to this size the buffer is
 * allocated at the frame's full size as soon as the header is known; above it, it grows geometrically
 * with what has actually arrived, so a peer that announces a large message and then trickles bytes
 * costs us memory in proportion to what it sent, not to what it claimed.
 */
const EAGER_ALLOCATION_LIMIT = 64 * 1024;

/** Lifecycle of a reader, as seen by the session pipeline. */
export type ReaderState = 'reading' | 'paused' | 'ended' | 'failed';

/**
 * Shared machinery of the push-style readers: keeps the partial frame between chunks, cuts complete
 * frames as views of the input, and turns the first error into a permanent failed state.
 *
 * Subclasses describe only their framing: how many header bytes size the next frame (`headerBytes`),
 * the size those bytes announce (`frameSize`, which validates and throws ProtocolError), and how the
 * complete bytes become a Frame (`makeFrame`, which may move the subclass to its next phase). Every
 * frame is at least one byte, so every loop iteration consumes input and the reader cannot spin.
 */
export abstract class PushReader {
  /** Bytes of the frame that is still incomplete (or, while paused, bytes held back unparsed). */
  private acc: Buffer = EMPTY;
  private accLen = 0;
  /** Total size of the frame in `acc` once its header is known, else -1. */
  private accSize = -1;
  private failure: unknown = undefined;
  private paused = false;
  private ended = false;

  /** The reader's lifecycle state. */
  get state(): ReaderState {
    if (this.failure !== undefined) return 'failed';
    if (this.paused) return 'paused';
    if (this.ended) return 'ended';
    return 'reading';
  }

  /**
   * Bytes received but not yet returned as frames: a partial frame, or bytes held while paused. A
   * non-zero value right after an encryption request/answer means the peer sent data it had no right
   * to send before the TLS handshake (CVE-2021-23214 / CVE-2021-23222): treat it as an attack.
   */
  get bufferedBytes(): number {
    return this.accLen;
  }

  /**
   * Feeds one chunk from the socket and returns every frame it completed, in order. Throws
   * ProtocolError on the first violation; the reader then stays failed and rethrows that error on
   * every later call. Frames cut earlier in the same chunk are discarded with it, since a connection
   * whose framing is broken must be closed anyway.
   */
  push(chunk: Buffer): Frame[] {
    this.assertUsable();
    const frames: Frame[] = [];
    try {
      if (chunk.length === 0) return frames;
      if (this.paused) {
        this.hold(chunk, 0);
        return frames;
      }
      const offset = this.accLen > 0 ? this.completePending(chunk, frames) : 0;
      this.parse(chunk, offset, frames);
      return frames;
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  /**
   * Leaves the paused state and parses whatever was held back while paused. The subclass decides when
   * to pause (after an encryption request or answer) and what resuming means.
   */
  protected resumeParsing(): Frame[] {
    this.assertUsable();
    const frames: Frame[] = [];
    try {
      if (!this.paused) return frames;
      this.paused = false;
      const held = this.acc.subarray(0, this.accLen);
      this.resetAccumulator();
      this.parse(held, 0, frames);
      return frames;
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  /** Called by `makeFrame`: stop cutting frames after the current one and hold later bytes. */
  protected pause(): void {
    this.paused = true;
  }

  /** Called by `makeFrame`: no further byte is legal on this stream (e.g. after CancelRequest). */
  protected end(): void {
    this.ended = true;
  }

  /** Largest number of bytes the reader holds while paused before calling it a protocol violation. */
  protected abstract readonly maxHeldBytes: number;
  protected abstract headerBytes(): number;
  /** Validates the header at `buf[at..at+headerBytes())` and returns the whole frame's size in bytes. */
  protected abstract frameSize(buf: Buffer, at: number): number;
  protected abstract makeFrame(buf: Buffer, start: number, size: number): Frame;

  private assertUsable(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private parse(buf: Buffer, start: number, frames: Frame[]): void {
    let offset = start;
    while (offset < buf.length) {
      if (this.paused) {
        this.hold(buf, offset);
        return;
      }
      if (this.ended) {
        throw new ProtocolError(
          ProtocolErrorCode.UnexpectedData,
          `${buf.length - offset} byte(s) arrived after the stream's last legal message`,
        );
      }
      const available = buf.length - offset;
      if (available < this.headerBytes()) {
        this.keep(buf, offset, -1);
        return;
      }
      const size = this.frameSize(buf, offset);
      if (available < size) {
        this.keep(buf, offset, size);
        return;
      }
      frames.push(this.makeFrame(buf, offset, size));
      offset += size;
    }
  }

  /** Adds the start of `chunk` to the pending frame; returns the offset of the first unused byte. */
  private completePending(chunk: Buffer, frames: Frame[]): number {
    let offset = 0;
    if (this.accSize < 0) {
      const missing = this.headerBytes() - this.accLen;
      const take = Math.min(missing, chunk.length);
      this.append(chunk, 0, take);
      offset = take;
      if (take < missing) return offset;
      this.accSize = this.frameSize(this.acc, 0);
    }
    const take = Math.min(this.accSize - this.accLen, chunk.length - offset);
    this.append(chunk, offset, offset + take);
    offset += take;
    if (this.accLen < this.accSize) return offset;
    const frameBytes = this.acc;
    const size = this.accSize;
    this.resetAccumulator(); // the frame now owns the buffer; never write into it again
    frames.push(this.makeFrame(frameBytes, 0, size));
    return offset;
  }

  /** Starts a pending frame with the tail of `buf` (copied: the chunk is not ours to keep alive). */
  private keep(buf: Buffer, offset: number, size: number): void {
    this.resetAccumulator();
    this.accSize = size;
    this.append(buf, offset, buf.length);
  }

  private hold(buf: Buffer, offset: number): void {
    const total = this.accLen + buf.length - offset;
    if (total > this.maxHeldBytes) {
      throw new ProtocolError(
        ProtocolErrorCode.UnexpectedData,
        `peer sent ${total} bytes while the stream was paused awaiting an encryption decision (limit ${this.maxHeldBytes})`,
      );
    }
    this.append(buf, offset, buf.length);
  }

  private append(src: Buffer, start: number, end: number): void {
    const needed = this.accLen + (end - start);
    if (needed > this.acc.length) this.grow(needed);
    src.copy(this.acc, this.accLen, start, end);
    this.accLen = needed;
  }

  private grow(needed: number): void {
    let capacity: number;
    if (this.accSize > 0 && this.accSize <= EAGER_ALLOCATION_LIMIT) capacity = this.accSize;
    else {
      capacity = Math.max(needed, this.acc.length * 2, 64);
      if (this.accSize > 0) capacity = Math.min(capacity, this.accSize);
    }
    const next = Buffer.allocUnsafe(Math.max(capacity, needed));
    this.acc.copy(next, 0, 0, this.accLen);
    this.acc = next;
  }

  private resetAccumulator(): void {
    this.acc = EMPTY;
    this.accLen = 0;
    this.accSize = -1;
  }
}

/**
 * Sizes a typed message (Byte1 code + Int32 length) against a direction's rules. Shared by both
 * directions' readers; `side` only flavours the error text.
 */
export function typedFrameSize(
  buf: Buffer,
  at: number,
  rules: LengthRules,
  maxMessageBytes: number,
  side: 'frontend' | 'backend',
): number {
  const code = buf[at]!;
  const min = rules.min[code]!;
  if (min < 0) {
    throw new ProtocolError(ProtocolErrorCode.UnknownMessage, `unknown ${side} message type ${describeCode(code)}`);
  }
  // Int32, big-endian (the caller made sure the 5 header bytes are there).
  const length = (buf[at + 1]! << 24) | (buf[at + 2]! << 16) | (buf[at + 3]! << 8) | buf[at + 4]!;
  if (length < 4) {
    throw new ProtocolError(
      ProtocolErrorCode.BadLength,
      `${side} message ${describeCode(code)} has length ${length}; the length counts itself, so it is at least 4`,
    );
  }
  if (length > maxMessageBytes) {
    throw new ProtocolError(
      ProtocolErrorCode.MessageTooLarge,
      `${side} message ${describeCode(code)} announces ${length} bytes, above the limit of ${maxMessageBytes} (maxMessageBytes)`,
    );
  }
  const max = rules.max[code]!;
  if (length < min || length > max) {
    const expected = max === min ? `exactly ${min}` : max === UNBOUNDED ? `at least ${min}` : `${min}..${max}`;
    throw new ProtocolError(
      ProtocolErrorCode.BadLength,
      `${side} message ${describeCode(code)} has length ${length}; expected ${expected}`,
    );
  }
  return 1 + length;
}

/**
 * A typed frame whose bytes are `source[start..start+size)`. Its views are made on first use: most
 * frames are forwarded as they are, and the relay writes runs of them straight from `source`
 * (see `FrameBytes`) without a view per frame.
 */
export class TypedFrame implements Frame {
  readonly kind = 'typed' as const;
  readonly code: number;
  readonly length: number;
  #raw: Buffer | undefined;
  #payload: Buffer | undefined;

  constructor(
    readonly source: Buffer,
    readonly start: number,
    readonly size: number,
  ) {
    this.code = source[start]!;
    this.length = size - 1;
  }

  get raw(): Buffer {
    return (this.#raw ??= this.source.subarray(this.start, this.start + this.size));
  }

  get payload(): Buffer {
    return (this.#payload ??= this.source.subarray(this.start + 5, this.start + this.size));
  }

  /** What tests and logs see: the same fields as a plain frame. */
  toJSON(): Frame {
    return { kind: this.kind, code: this.code, length: this.length, raw: this.raw, payload: this.payload };
  }
}

/** Builds a typed frame whose bytes are `buf[start..start+size)`; views, no copy. */
export function typedFrame(buf: Buffer, start: number, size: number): Frame {
  return new TypedFrame(buf, start, size);
}
