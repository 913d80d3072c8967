import { ProtocolError, ProtocolErrorCode } from '../errors.js';

/**
 * Thrown (never constructed twice, never carries a stack) when a token parser runs past the bytes it
 * was given. Token parsers are pure functions `(buf, offset) → {token, next} | NOT_ENOUGH_DATA`: the
 * streaming reader keeps the tail and calls again with more bytes, the way tedious does.
 */
export const NOT_ENOUGH_DATA: unique symbol = Symbol('tds.not-enough-data');
export type NotEnoughData = typeof NOT_ENOUGH_DATA;

class NotEnoughDataSignal {
  readonly signal = NOT_ENOUGH_DATA;
}
const SIGNAL = new NotEnoughDataSignal();

/** True when `error` is the not-enough-data signal rather than a real failure. */
export function isNotEnoughData(error: unknown): boolean {
  return error === SIGNAL;
}

/**
 * Bounds-checked little-endian sequential reads (TDS is little-endian except the packet header and
 * LOGINACK's version). Running out of bytes throws the shared not-enough-data signal; `complete`
 * readers (whole messages) turn that into ProtocolError Malformed instead, naming the field.
 */
export class TdsReader {
  pos: number;
  /** After a not-enough-data signal: the absolute position the failed read needed to reach. */
  shortAt = 0;

  constructor(
    readonly buf: Buffer,
    offset: number,
    /** The end of the readable range (exclusive). */
    readonly end: number = buf.length,
    /** When set, running out of bytes is a malformed message named by this string, not "wait for more". */
    private readonly complete?: string,
  ) {
    this.pos = offset;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, field: string): void {
    if (n > this.end - this.pos) {
      if (this.complete === undefined) {
        this.shortAt = this.pos + n;
        throw SIGNAL;
      }
      this.fail(`${field} needs ${n} byte(s) at offset ${this.pos}, but only ${this.end - this.pos} remain`);
    }
  }

  uint8(field: string): number {
    this.need(1, field);
    return this.buf[this.pos++]!;
  }

  uint16(field: string): number {
    this.need(2, field);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16be(field: string): number {
    this.need(2, field);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(field: string): number {
    this.need(4, field);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(field: string): number {
    this.need(4, field);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32be(field: string): number {
    this.need(4, field);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** An unsigned 64-bit integer; bigint because row counts and PLP lengths exceed 2^53. */
  uint64(field: string): bigint {
    this.need(8, field);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  bytes(n: number, field: string): Buffer {
    if (n < 0) this.fail(`${field} has negative length ${n}`);
    this.need(n, field);
    const view = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return view;
  }

  skip(n: number, field: string): void {
    this.need(n, field);
    this.pos += n;
  }

  /** `chars` UTF-16LE code units. */
  ucs2(chars: number, field: string): string {
    const n = chars * 2;
    this.need(n, field);
    const text = this.buf.toString('utf16le', this.pos, this.pos + n);
    this.pos += n;
    return text;
  }

  /** B_VARCHAR: a 1-byte character count + UCS-2 text. */
  bVarchar(field: string): string {
    return this.ucs2(this.uint8(`${field} length`), field);
  }

  /** US_VARCHAR: a 2-byte character count + UCS-2 text. */
  usVarchar(field: string): string {
    return this.ucs2(this.uint16(`${field} length`), field);
  }

  /** B_VARBYTE: a 1-byte length + bytes. */
  bVarbyte(field: string): Buffer {
    return this.bytes(this.uint8(`${field} length`), field);
  }

  fail(problem: string): never {
    throw new ProtocolError(ProtocolErrorCode.Malformed, `${this.complete ?? 'TDS token'}: ${problem}`);
  }
}

/** A reader over a whole message: running short is malformed, never "wait for more". */
export function messageReader(buf: Buffer, what: string, offset = 0): TdsReader {
  return new TdsReader(buf, offset, buf.length, what);
}
