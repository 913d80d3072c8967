import { isUtf8 } from 'node:buffer';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';

/**
 * Bounds-checked sequential reads over one packet payload, in the protocol's little-endian integer
 * and length-encoded forms. Every read checks what remains first and throws ProtocolError naming the
 * packet and field, so a decoder can never read out of range and its body reads like the manual.
 *
 * Text: `strict` cursors (client input that policy decides: SQL, names) reject invalid UTF-8 rather
 * than substituting U+FFFD, so the gateway never classifies a string other than the one the server
 * parses. Server text is decoded leniently: it only feeds display and masking.
 */
export class PayloadCursor {
  #offset: number;

  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
    private readonly strict = false,
    start = 0,
  ) {
    this.#offset = start;
  }

  get remaining(): number {
    return this.buf.length - this.#offset;
  }

  get position(): number {
    return this.#offset;
  }

  int1(field: string): number {
    this.#need(1, field);
    return this.buf[this.#offset++]!;
  }

  int2(field: string): number {
    this.#need(2, field);
    const value = this.buf.readUInt16LE(this.#offset);
    this.#offset += 2;
    return value;
  }

  int3(field: string): number {
    this.#need(3, field);
    const value = this.buf.readUIntLE(this.#offset, 3);
    this.#offset += 3;
    return value;
  }

  int4(field: string): number {
    this.#need(4, field);
    const value = this.buf.readUInt32LE(this.#offset);
    this.#offset += 4;
    return value;
  }

  int8(field: string): bigint {
    this.#need(8, field);
    const value = this.buf.readBigUInt64LE(this.#offset);
    this.#offset += 8;
    return value;
  }

  /** A length-encoded integer as a number; values above 2^53 are refused (no real length is that big). */
  lenencInt(field: string): number {
    const first = this.int1(field);
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.int2(field);
    if (first === 0xfd) return this.int3(field);
    if (first === 0xfe) {
      const value = this.int8(field);
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${field} is ${value}, beyond what the gateway handles`);
      return Number(value);
    }
    return this.fail(`${field} starts with 0x${first.toString(16)}, which is not a length-encoded integer`);
  }

  /** A length-encoded integer that may be 0xfb (NULL in a text row): returns -1 for NULL. */
  lenencIntOrNull(field: string): number {
    if (this.buf[this.#offset] === 0xfb) {
      this.#offset++;
      return -1;
    }
    return this.lenencInt(field);
  }

  /** `n` bytes as a view. */
  bytes(n: number, field: string): Buffer {
    this.#need(n, field);
    const view = this.buf.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return view;
  }

  skip(n: number, field: string): void {
    this.#need(n, field);
    this.#offset += n;
  }

  lenencBytes(field: string): Buffer {
    return this.bytes(this.lenencInt(`${field} length`), field);
  }

  lenencString(field: string): string {
    const start = this.#offset;
    const bytes = this.lenencBytes(field);
    return this.#text(bytes, field, start);
  }

  /** A NUL-terminated string. */
  nulString(field: string): string {
    const end = this.buf.indexOf(0, this.#offset);
    if (end < 0) this.fail(`${field} has no NUL terminator`);
    const text = this.#text(this.buf.subarray(this.#offset, end), field, this.#offset);
    this.#offset = end + 1;
    return text;
  }

  /** NUL-terminated bytes, or everything left when there is no NUL (older servers end some fields at the payload end). */
  nulBytesOrRest(): Buffer {
    const end = this.buf.indexOf(0, this.#offset);
    const stop = end < 0 ? this.buf.length : end;
    const view = this.buf.subarray(this.#offset, stop);
    this.#offset = end < 0 ? stop : end + 1;
    return view;
  }

  /** Everything left, as a view. */
  rest(): Buffer {
    const view = this.buf.subarray(this.#offset);
    this.#offset = this.buf.length;
    return view;
  }

  restString(field: string): string {
    const start = this.#offset;
    return this.#text(this.rest(), field, start);
  }

  /** Asserts the payload is fully consumed: trailing bytes are malformed. */
  end(): void {
    if (this.#offset !== this.buf.length) this.fail(`${this.buf.length - this.#offset} unexpected trailing byte(s)`);
  }

  fail(problem: string): never {
    throw new ProtocolError(ProtocolErrorCode.Malformed, `${this.what}: ${problem}`);
  }

  #text(bytes: Buffer, field: string, _at: number): string {
    if (this.strict && !isUtf8(bytes)) {
      throw new ProtocolError(ProtocolErrorCode.InvalidUtf8, `${this.what}: ${field} is not valid UTF-8`);
    }
    return bytes.toString('utf8');
  }

  #need(n: number, field: string): void {
    if (n > this.buf.length - this.#offset) {
      this.fail(`${field} needs ${n} byte(s) at offset ${this.#offset}, but only ${this.buf.length - this.#offset} remain`);
    }
  }
}

/** Size in bytes of the length-encoded integer that starts with `first` (1 for 0xfb NULL). */
export function lenencHeaderSize(first: number): number {
  if (first < 0xfb) return 1;
  if (first === 0xfb) return 1;
  if (first === 0xfc) return 3;
  if (first === 0xfd) return 4;
  if (first === 0xfe) return 9;
  return -1;
}
