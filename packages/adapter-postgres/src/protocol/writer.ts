import { ProtocolError, ProtocolErrorCode } from '../errors.js';

const INITIAL_CAPACITY = 256;
/** Bytes reserved at the front of every message for Byte1 code + Int32 length. */
const HEADER = 5;
const NO_BUFFER = Buffer.alloc(0);

/**
 * Chainable builder for one message at a time: `new MessageWriter().cstring(name).int32(oid).frame(code)`.
 * The body is written after a 5-byte gap, so `frame()` fills the header in place and returns the message
 * without copying the body again; `startupFrame()` uses the last 4 bytes of the gap (no type byte).
 * The returned Buffer is handed over to the caller (the writer lets go of it and allocates afresh on
 * its next write), so reusing a writer never corrupts a message already queued on a socket.
 *
 * Encoders validate what the wire cannot carry — a NUL inside a C string would let text end the
 * message early and smuggle the rest in as another message — and throw ProtocolError (Unencodable).
 */
export class MessageWriter {
  private buf: Buffer = NO_BUFFER;
  private offset = HEADER;
  private readonly initialCapacity: number;

  constructor(initialCapacity = INITIAL_CAPACITY) {
    this.initialCapacity = Math.max(initialCapacity, HEADER + 16);
  }

  byte(value: number): this {
    checkInt(value, 0, 0xff, 'byte');
    this.ensure(1);
    this.buf[this.offset++] = value;
    return this;
  }

  /** Int16; accepts -32768..65535 so unsigned 16-bit counts can be written too. */
  int16(value: number): this {
    checkInt(value, -0x8000, 0xffff, 'Int16');
    this.ensure(2);
    this.buf.writeUInt16BE(value & 0xffff, this.offset);
    this.offset += 2;
    return this;
  }

  /** Int32; accepts -2^31..2^32-1 so unsigned values (OIDs) can be written too. */
  int32(value: number): this {
    checkInt(value, -0x80000000, 0xffffffff, 'Int32');
    this.ensure(4);
    this.buf.writeUInt32BE(value >>> 0, this.offset);
    this.offset += 4;
    return this;
  }

  /** A NUL-terminated UTF-8 string; a NUL inside it is refused. */
  cstring(value: string): this {
    if (value.includes('\0')) {
      throw new ProtocolError(ProtocolErrorCode.Unencodable, `C string contains a NUL character: ${JSON.stringify(value.slice(0, 40))}`);
    }
    const length = Buffer.byteLength(value, 'utf8');
    this.ensure(length + 1);
    this.buf.write(value, this.offset, length, 'utf8');
    this.offset += length;
    this.buf[this.offset++] = 0;
    return this;
  }

  /** UTF-8 text without terminator (for payloads whose length is implied by the message). */
  string(value: string): this {
    const length = Buffer.byteLength(value, 'utf8');
    this.ensure(length);
    this.buf.write(value, this.offset, length, 'utf8');
    this.offset += length;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.ensure(value.length);
    this.buf.set(value, this.offset);
    this.offset += value.length;
    return this;
  }

  /** Int32 length + bytes, or -1 for NULL. */
  nullableBytes(value: Uint8Array | null): this {
    if (value === null) return this.int32(-1);
    return this.int32(value.length).bytes(value);
  }

  /** Finishes a typed message: Byte1 code + Int32 length + body. Resets the writer. */
  frame(code: number): Buffer {
    checkInt(code, 0, 0xff, 'message code');
    this.ensure(0);
    this.buf[0] = code;
    this.buf.writeInt32BE(this.offset - 1, 1);
    return this.take(0);
  }

  /** Finishes an untyped startup packet: Int32 length + body. Resets the writer. */
  startupFrame(): Buffer {
    this.ensure(0);
    this.buf.writeInt32BE(this.offset - 1, 1);
    return this.take(1);
  }

  private take(start: number): Buffer {
    const out = this.buf.subarray(start, this.offset);
    this.buf = NO_BUFFER;
    this.offset = HEADER;
    return out;
  }

  private ensure(n: number): void {
    const needed = this.offset + n;
    if (needed <= this.buf.length) return;
    if (needed > 0x7fffffff) {
      throw new ProtocolError(ProtocolErrorCode.Unencodable, `message would exceed the protocol's 2 GiB length field`);
    }
    const next = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2, this.initialCapacity));
    this.buf.copy(next, 0, 0, Math.min(this.offset, this.buf.length));
    this.buf = next;
  }
}

function checkInt(value: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ProtocolError(ProtocolErrorCode.Unencodable, `${what} value ${value} is outside ${min}..${max}`);
  }
}
