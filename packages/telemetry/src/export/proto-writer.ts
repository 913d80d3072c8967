/*
 * The few protobuf primitives the statement span encoder needs, writing into a buffer sized
 * beforehand (every message is measured first, so nothing is shifted or grown). Encodings match
 * @opentelemetry/otlp-transformer's writer byte for byte: the same varints (64-bit two's complement
 * for negative numbers), little-endian fixed fields, strings as UTF-8.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

/** Bytes the varint of an integer takes (negative: always 10, as int64 two's complement). */
export function varintSize(value: number): number {
  if (value < 0) return 10;
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  if (value < 0x800000000) return 5;
  if (value < 0x40000000000) return 6;
  if (value < 0x2000000000000) return 7;
  if (value < 0x100000000000000) return 8;
  return 9;
}

export function tagSize(field: number): number {
  return varintSize(field << 3);
}

/** Bytes a length-delimited field takes: its tag, the length, the content. */
export function delimitedSize(field: number, contentSize: number): number {
  return tagSize(field) + varintSize(contentSize) + contentSize;
}

/** UTF-8 length; ASCII (almost every attribute) without a call into the encoder. */
export function utf8Size(text: string): number {
  const length = text.length;
  for (let i = 0; i < length; i++) if (text.charCodeAt(i) > 0x7f) return Buffer.byteLength(text, 'utf8');
  return length;
}

export class ProtoWriter {
  readonly buffer: Buffer;
  pos = 0;

  readonly #size: number;

  /**
   * `size`: what will be written, measured beforehand. `reuse`: a buffer of an earlier message that
   * is no longer needed, written over when it is large enough (a fresh large buffer costs page
   * faults on first touch, more than the encoding itself).
   */
  constructor(size: number, reuse?: Buffer) {
    this.#size = size;
    this.buffer = reuse && reuse.length >= size ? reuse : Buffer.allocUnsafe(size);
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  varint(value: number): void {
    const buffer = this.buffer;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        buffer[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buffer[this.pos++] = v;
      return;
    }
    const magnitude = Math.abs(value);
    let low = magnitude >>> 0;
    let high = (magnitude / 0x100000000) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 0x7f) {
      buffer[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buffer[this.pos++] = low & 0x7f;
  }

  /** Byte stores, not Buffer#writeUInt32LE: its argument checks cost more than the write (the size was measured). */
  fixed32(value: number): void {
    const buffer = this.buffer;
    const pos = this.pos;
    buffer[pos] = value;
    buffer[pos + 1] = value >>> 8;
    buffer[pos + 2] = value >>> 16;
    buffer[pos + 3] = value >>> 24;
    this.pos = pos + 4;
  }

  fixed64(low: number, high: number): void {
    this.fixed32(low);
    this.fixed32(high);
  }

  /** Four bytes, most significant first (ids are written as the big-endian bytes of their hex form). */
  uint32BigEndian(value: number): void {
    const buffer = this.buffer;
    const pos = this.pos;
    buffer[pos] = value >>> 24;
    buffer[pos + 1] = value >>> 16;
    buffer[pos + 2] = value >>> 8;
    buffer[pos + 3] = value;
    this.pos = pos + 4;
  }

  double(value: number): void {
    this.buffer.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** Bytes already encoded (a cached fragment), without a length. */
  raw(bytes: Uint8Array): void {
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A length-prefixed string whose UTF-8 size the caller measured (utf8Size). */
  string(text: string, size: number): void {
    this.varint(size);
    if (size === text.length) {
      const buffer = this.buffer;
      for (let i = 0; i < size; i++) buffer[this.pos++] = text.charCodeAt(i);
    } else {
      this.pos += this.buffer.write(text, this.pos, 'utf8');
    }
  }

  /** Epoch milliseconds (fractional) as fixed64 nanoseconds, rounded as the SDK's millisToHrTime does. */
  epochMillis(milliseconds: number): void {
    const seconds = Math.trunc(milliseconds / 1000);
    const nanos = Math.round((milliseconds % 1000) * 1_000_000);
    // seconds × 1e9 in parts that stay exact (below 2^53), as the SDK's writeHrTimeAsFixed64.
    const lowerSeconds = seconds & 0xffff;
    const upperSeconds = (seconds / 0x10000) >>> 0;
    const lowerNanos = lowerSeconds * 1_000_000_000;
    const upperNanos = upperSeconds * 1_000_000_000;
    const low = (lowerNanos >>> 0) + (((upperNanos & 0xffff) * 0x10000) >>> 0) + nanos;
    const carry = Math.floor(low / 0x100000000);
    this.fixed64(low >>> 0, (Math.floor(lowerNanos / 0x100000000) + ((upperNanos / 0x10000) >>> 0) + carry) >>> 0);
  }

  /** What was written; the buffer was measured exactly, so this is all of it. */
  finish(): Buffer {
    if (this.pos !== this.#size) throw new RangeError(`protobuf message measured ${this.#size} bytes but ${this.pos} were written`);
    return this.pos === this.buffer.length ? this.buffer : this.buffer.subarray(0, this.pos);
  }
}
