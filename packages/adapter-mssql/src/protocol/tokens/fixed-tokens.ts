import { TokenType } from './token-types.js';
import type { DoneToken, ReturnStatusToken } from './token-types.js';

/** DONE, DONEPROC, DONEINPROC: type, status (2), current command (2), row count (8). */
const DONE_LENGTH = 13;
/** RETURNSTATUS: type, value (4). */
const RETURN_STATUS_LENGTH = 5;

/**
 * A DONE-family token read in place. Its row count (a bigint) and raw bytes (a Buffer view) are
 * made only when read: on the relay's path neither is, for most of these tokens, and a view costs
 * more than reading the token.
 */
class DoneAt implements DoneToken {
  readonly kind: DoneToken['kind'];
  readonly status: number;
  readonly curCmd: number;
  readonly #buf: Buffer;
  readonly #offset: number;

  constructor(buf: Buffer, offset: number, kind: DoneToken['kind']) {
    this.kind = kind;
    this.status = buf.readUInt16LE(offset + 1);
    this.curCmd = buf.readUInt16LE(offset + 3);
    this.#buf = buf;
    this.#offset = offset;
  }

  get rowCount(): bigint {
    return this.#buf.readBigUInt64LE(this.#offset + 5);
  }

  get raw(): Buffer {
    return this.#buf.subarray(this.#offset, this.#offset + DONE_LENGTH);
  }
}

/** A RETURNSTATUS token read in place (its raw bytes made only when read). */
class ReturnStatusAt implements ReturnStatusToken {
  readonly kind = 'returnstatus';
  readonly value: number;
  readonly #buf: Buffer;
  readonly #offset: number;

  constructor(buf: Buffer, offset: number) {
    this.value = buf.readInt32LE(offset + 1);
    this.#buf = buf;
    this.#offset = offset;
  }

  get raw(): Buffer {
    return this.#buf.subarray(this.#offset, this.#offset + RETURN_STATUS_LENGTH);
  }
}

/**
 * The fixed-length tokens that end every response (DONE family, RETURNSTATUS), read straight from
 * the bytes: the same fields `parseToken` gives, without a reader and its not-enough-data exception
 * frame, which cost more than the token on the point-select path (three per response). The token
 * refers to `buf` (its raw bytes and row count are read on demand): use it before `buf` is reused.
 * Undefined for any other token, or when the token is not wholly in `buf` (then `parseToken`
 * decides, and asks for more bytes).
 */
export function fixedTokenAt(buf: Buffer, offset: number): DoneToken | ReturnStatusToken | undefined {
  const type = buf[offset];
  if (type === TokenType.DoneInProc || type === TokenType.DoneProc || type === TokenType.Done) {
    if (offset + DONE_LENGTH > buf.length) return undefined;
    return new DoneAt(buf, offset, type === TokenType.DoneInProc ? 'doneinproc' : type === TokenType.DoneProc ? 'doneproc' : 'done');
  }
  if (type === TokenType.ReturnStatus) {
    if (offset + RETURN_STATUS_LENGTH > buf.length) return undefined;
    return new ReturnStatusAt(buf, offset);
  }
  return undefined;
}

/** Bytes of a token `fixedTokenAt` read (without making its raw view). */
export function fixedTokenLength(token: DoneToken | ReturnStatusToken): number {
  return token.kind === 'returnstatus' ? RETURN_STATUS_LENGTH : DONE_LENGTH;
}
