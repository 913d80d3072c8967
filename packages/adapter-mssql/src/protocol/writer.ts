import { ProtocolError, ProtocolErrorCode } from '../errors.js';

const NO_BUFFER = Buffer.alloc(0);

/**
 * Chainable little-endian builder: `new TdsWriter().uint8(0xfd).uint16(status)…take()`. The result is
 * handed over (the writer starts afresh), so a queued buffer is never overwritten. Encoders check what
 * the wire cannot carry (a 300-character B_VARCHAR, a negative length) and throw Unencodable.
 */
export class TdsWriter {
  private buf: Buffer = NO_BUFFER;
  private offset = 0;

  constructor(private readonly initialCapacity = 256) {}

  get length(): number {
    return this.offset;
  }

  uint8(v: number): this {
    check(v, 0, 0xff, 'byte');
    this.ensure(1);
    this.buf[this.offset++] = v;
    return this;
  }

  uint16(v: number): this {
    check(v, 0, 0xffff, 'USHORT');
    this.ensure(2);
    this.offset = this.buf.writeUInt16LE(v, this.offset);
    return this;
  }

  uint16be(v: number): this {
    check(v, 0, 0xffff, 'USHORT');
    this.ensure(2);
    this.offset = this.buf.writeUInt16BE(v, this.offset);
    return this;
  }

  int32(v: number): this {
    check(v, -0x80000000, 0x7fffffff, 'LONG');
    this.ensure(4);
    this.offset = this.buf.writeInt32LE(v, this.offset);
    return this;
  }

  uint32(v: number): this {
    check(v, 0, 0xffffffff, 'ULONG');
    this.ensure(4);
    this.offset = this.buf.writeUInt32LE(v, this.offset);
    return this;
  }

  uint32be(v: number): this {
    check(v, 0, 0xffffffff, 'ULONG');
    this.ensure(4);
    this.offset = this.buf.writeUInt32BE(v, this.offset);
    return this;
  }

  uint64(v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) throw new ProtocolError(ProtocolErrorCode.Unencodable, `ULONGLONG value ${v} is out of range`);
    this.ensure(8);
    this.offset = this.buf.writeBigUInt64LE(v, this.offset);
    return this;
  }

  bytes(value: Uint8Array): this {
    this.ensure(value.length);
    this.buf.set(value, this.offset);
    this.offset += value.length;
    return this;
  }

  /** UCS-2 (UTF-16LE) text without a length. */
  ucs2(text: string): this {
    const n = text.length * 2;
    this.ensure(n);
    this.buf.write(text, this.offset, n, 'utf16le');
    this.offset += n;
    return this;
  }

  bVarchar(text: string): this {
    if (text.length > 0xff) throw new ProtocolError(ProtocolErrorCode.Unencodable, `B_VARCHAR holds at most 255 characters, got ${text.length}`);
    return this.uint8(text.length).ucs2(text);
  }

  usVarchar(text: string): this {
    if (text.length > 0xffff) throw new ProtocolError(ProtocolErrorCode.Unencodable, `US_VARCHAR holds at most 65535 characters, got ${text.length}`);
    return this.uint16(text.length).ucs2(text);
  }

  bVarbyte(value: Uint8Array): this {
    if (value.length > 0xff) throw new ProtocolError(ProtocolErrorCode.Unencodable, `B_VARBYTE holds at most 255 bytes, got ${value.length}`);
    return this.uint8(value.length).bytes(value);
  }

  /** Overwrites a USHORT written earlier (for length prefixes known only at the end). */
  patchUint16(at: number, v: number): this {
    check(v, 0, 0xffff, 'USHORT');
    this.buf.writeUInt16LE(v, at);
    return this;
  }

  patchUint32(at: number, v: number): this {
    check(v, 0, 0xffffffff, 'ULONG');
    this.buf.writeUInt32LE(v, at);
    return this;
  }

  /** Returns the bytes written and resets the writer. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.offset);
    this.buf = NO_BUFFER;
    this.offset = 0;
    return out;
  }

  private ensure(n: number): void {
    const needed = this.offset + n;
    if (needed <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2, this.initialCapacity));
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
  }
}

function check(v: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ProtocolError(ProtocolErrorCode.Unencodable, `${what} value ${v} is outside ${min}..${max}`);
  }
}
