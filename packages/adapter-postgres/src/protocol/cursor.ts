import { isUtf8 } from 'node:buffer';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { describeCode } from './codes.js';
import type { Frame, FrameKind } from './frame.js';
import { TypedFrame } from './push-reader.js';

/**
 * Bounds-checked sequential reads over one message body. Every read checks the remaining length first
 * and throws ProtocolError naming the message and field, so a decoder can never read out of range or
 * slice with a negative length, and a decoder's body reads top to bottom like the spec's field list.
 *
 * Text: `strictText` cursors (client input — SQL, names, identities) reject invalid UTF-8 instead of
 * substituting U+FFFD, so the gateway never classifies a string other than the one the server parses.
 * Server text is decoded leniently: it only feeds display and masking.
 */
export class MessageCursor {
  private offset: number;
  private readonly start: number;
  /** Where the body ends in `buf` (a cursor may read a frame in place, inside the chunk it came in). */
  private readonly limit: number;

  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
    private readonly strictText: boolean,
    start = 0,
    end = buf.length,
  ) {
    this.offset = start;
    this.start = start;
    this.limit = end;
  }

  get remaining(): number {
    return this.limit - this.offset;
  }

  get position(): number {
    return this.offset - this.start;
  }

  byte(field: string): number {
    this.need(1, field);
    return this.buf[this.offset++]!;
  }

  int16(field: string): number {
    this.need(2, field);
    const value = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  /**
   * An Int16 count, read unsigned as the server does (pq_getmsgint(…, 2) yields 0..65535; Bind may carry
   * up to 65535 parameters).
   */
  count16(field: string): number {
    this.need(2, field);
    const value = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(field: string): number {
    this.need(4, field);
    const value = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** An unsigned Int32 (OIDs are unsigned on the wire). */
  uint32(field: string): number {
    this.need(4, field);
    const value = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** A NUL-terminated string. */
  cstring(field: string): string {
    // The empty string (unnamed statements and portals) is the common case: no search, no decoding.
    if (this.offset < this.limit && this.buf[this.offset] === 0) {
      this.offset++;
      return '';
    }
    const end = this.buf.indexOf(0, this.offset);
    if (end < 0 || end >= this.limit) this.fail(`${field} has no NUL terminator`);
    const text = this.text(this.offset, end, field);
    this.offset = end + 1;
    return text;
  }

  /** `n` raw bytes as a view. */
  bytes(n: number, field: string): Buffer {
    this.need(n, field);
    const view = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return view;
  }

  /** Steps over `n` bytes (checked), without making a view of them. */
  skip(n: number, field: string): void {
    this.need(n, field);
    this.offset += n;
  }

  /** An Int32 length followed by that many bytes, stepped over; -1 means NULL. */
  skipNullableBytes(field: string): void {
    const length = this.int32(`${field} length`);
    if (length === -1) return;
    if (length < 0) this.fail(`${field} length is ${length}; only -1 (NULL) may be negative`);
    this.skip(length, field);
  }

  /** An Int32 length followed by that many bytes; -1 means NULL. */
  nullableBytes(field: string): Buffer | null {
    const length = this.int32(`${field} length`);
    if (length === -1) return null;
    if (length < 0) this.fail(`${field} length is ${length}; only -1 (NULL) may be negative`);
    return this.bytes(length, field);
  }

  /** Everything left, as a view. */
  rest(): Buffer {
    const view = this.buf.subarray(this.offset, this.limit);
    this.offset = this.limit;
    return view;
  }

  /** Asserts the body is fully consumed, as the server does (pq_getmsgend): trailing bytes are malformed. */
  end(): void {
    if (this.offset !== this.limit) this.fail(`${this.limit - this.offset} unexpected trailing byte(s)`);
  }

  /** Decodes `buf[start..end)` as UTF-8 under this cursor's strictness. */
  text(start: number, end: number, field: string): string {
    const text = this.buf.toString('utf8', start, end);
    // Invalid UTF-8 always decodes with U+FFFD in its place, so only text holding one needs the
    // byte-level check (a literal U+FFFD is valid): one pass over the bytes in the usual case.
    if (this.strictText && text.includes('\uFFFD') && !isUtf8(this.buf.subarray(start, end))) {
      throw new ProtocolError(ProtocolErrorCode.InvalidUtf8, `${this.what}: ${field} is not valid UTF-8`);
    }
    return text;
  }

  fail(problem: string): never {
    throw new ProtocolError(ProtocolErrorCode.Malformed, `${this.what}: ${problem}`);
  }

  private need(n: number, field: string): void {
    if (n > this.limit - this.offset) {
      this.fail(`${field} needs ${n} byte(s) at offset ${this.offset - this.start}, but only ${this.limit - this.offset} remain`);
    }
  }
}

/**
 * Checks that a decoder was handed the frame it decodes, and opens a cursor on its body. A mismatch is
 * a caller bug (dispatching on the wrong direction or phase), reported as ProtocolError so callers
 * have one error type to handle.
 */
export function openFrame(frame: Frame, kind: FrameKind, code: number, name: string, strictText: boolean): MessageCursor {
  if (frame.kind !== kind || frame.code !== code) {
    const got = frame.kind === 'startup' ? `startup code ${frame.code}` : `${frame.kind} ${describeCode(frame.code)}`;
    throw new ProtocolError(ProtocolErrorCode.WrongFrame, `expected a ${name} frame, got ${got}`);
  }
  // A typed frame is read in place in the chunk it arrived in: no view of its body is made.
  if (frame instanceof TypedFrame) return new MessageCursor(frame.source, name, strictText, frame.start + 5, frame.start + frame.size);
  return new MessageCursor(frame.payload, name, strictText);
}
