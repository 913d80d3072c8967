import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { typeName } from './data-types.js';
import type { RowLayout } from './row-layout.js';

/** What the row walk asks for next: the next `n` bytes (a length or a bitmap), or to pass `n` bytes by. */
type Step = { readonly read: number } | { readonly skip: number };

/**
 * Skips a ROW/NBCROW body that arrives in pieces without holding its bytes: only the few bytes of a
 * length prefix (or the NBCROW null bitmap) are kept between pieces, so a row carrying a 100 MB PLP
 * value costs no memory. For the rows that straddle packets; whole rows take `skipRow`'s fast path.
 */
export class RowSkip {
  readonly #walk: Generator<Step, void, Buffer>;
  #step: Step | undefined;
  #left = 0;
  #scratch: Buffer[] = [];
  #scratchBytes = 0;

  constructor(layout: RowLayout, nbc: boolean, maxValueBytes: number) {
    this.#walk = walkRow(layout, nbc, maxValueBytes);
    this.#advance(this.#walk.next());
  }

  /** Consumes `buf` from `at`: the offset just after the row, or -1 when all of `buf` was consumed and the row goes on. */
  feed(buf: Buffer, at: number): number {
    while (this.#step !== undefined) {
      if ('skip' in this.#step) {
        const take = Math.min(this.#left, buf.length - at);
        at += take;
        this.#left -= take;
        if (this.#left > 0) return -1;
        this.#advance(this.#walk.next(EMPTY));
        continue;
      }
      const take = Math.min(this.#left, buf.length - at);
      if (take > 0) this.#scratch.push(buf.subarray(at, at + take));
      at += take;
      this.#scratchBytes += take;
      this.#left -= take;
      if (this.#left > 0) return -1;
      const bytes = this.#scratch.length === 1 ? Buffer.from(this.#scratch[0]!) : Buffer.concat(this.#scratch, this.#scratchBytes);
      this.#scratch = [];
      this.#scratchBytes = 0;
      this.#advance(this.#walk.next(bytes));
    }
    return at;
  }

  /** Bytes held (a partial length prefix or bitmap). */
  get bufferedBytes(): number {
    return this.#scratchBytes;
  }

  #advance(result: IteratorResult<Step, void>): void {
    this.#step = result.done ? undefined : result.value;
    this.#left = result.done ? 0 : 'skip' in result.value ? result.value.skip : result.value.read;
  }
}

const EMPTY = Buffer.alloc(0);
const FIXED = 0;
const BYTELEN = 1;
const USHORTLEN = 2;
const LONGLEN = 3;
const TEXTPTR = 4;

/** The row's framing as a sequence of reads and skips (the same rules as `skipRow`). */
function* walkRow(layout: RowLayout, nbc: boolean, maxValueBytes: number): Generator<Step, void, Buffer> {
  const bitmap = nbc ? yield { read: layout.bitmapBytes } : undefined;
  for (let i = 0; i < layout.framings.length; i++) {
    if (bitmap && (bitmap[i >> 3]! & (1 << (i & 7))) !== 0) continue;
    switch (layout.framings[i]) {
      case FIXED:
        yield { skip: layout.fixedSizes[i]! };
        break;
      case BYTELEN: {
        const n = (yield { read: 1 })[0]!;
        if (layout.bytelenFits[i]![n] === 0) malformed(`${typeName(layout.types[i]!.type)} value has length ${n}, which that type cannot have`);
        yield { skip: n };
        break;
      }
      case USHORTLEN: {
        const n = (yield { read: 2 }).readUInt16LE(0);
        if (n !== 0xffff) yield { skip: n };
        break;
      }
      case LONGLEN: {
        const n = (yield { read: 4 }).readUInt32LE(0);
        if (n === 0xffffffff || (layout.types[i]!.type === 0x62 && n === 0)) break;
        if (n > maxValueBytes) malformed(`value of ${n} bytes exceeds the ${maxValueBytes}-byte cap`);
        yield { skip: n };
        break;
      }
      case TEXTPTR: {
        const pointer = (yield { read: 1 })[0]!;
        if (pointer === 0) break;
        yield { skip: pointer + 8 };
        const n = (yield { read: 4 }).readUInt32LE(0);
        if (n > maxValueBytes) malformed(`value of ${n} bytes exceeds the ${maxValueBytes}-byte cap`);
        yield { skip: n };
        break;
      }
      default: {
        const head = yield { read: 8 };
        const low = head.readUInt32LE(0);
        const high = head.readUInt32LE(4);
        if (high === 0xffffffff && low === 0xffffffff) break;
        const known = !(high === 0xffffffff && low === 0xfffffffe);
        const total = high * 0x1_0000_0000 + low;
        if (known && total > maxValueBytes) malformed(`PLP value of ${total} bytes exceeds the ${maxValueBytes}-byte cap`);
        let sum = 0;
        for (;;) {
          const chunk = (yield { read: 4 }).readUInt32LE(0);
          if (chunk === 0) break;
          sum += chunk;
          if (sum > maxValueBytes) malformed(`PLP value exceeds the ${maxValueBytes}-byte cap`);
          yield { skip: chunk };
        }
        if (known && sum !== total) malformed(`PLP chunks add up to ${sum} bytes but the value announced ${total}`);
      }
    }
  }
}

function malformed(message: string): never {
  throw new ProtocolError(ProtocolErrorCode.Malformed, message);
}
