import type { TdsReader } from '../reader.js';
import { TdsWriter } from '../writer.js';
import { TokenType } from './token-types.js';
import type { DoneToken } from './token-types.js';

const KINDS = { [TokenType.Done]: 'done', [TokenType.DoneProc]: 'doneproc', [TokenType.DoneInProc]: 'doneinproc' } as const;

/** Reads DONE/DONEPROC/DONEINPROC after the type byte (TDS 7.2+: 64-bit row count). */
export function readDone(r: TdsReader, start: number, type: 0xfd | 0xfe | 0xff): DoneToken {
  const status = r.uint16('status');
  const curCmd = r.uint16('current command');
  const rowCount = r.uint64('row count');
  return { kind: KINDS[type], status, curCmd, rowCount, raw: r.buf.subarray(start, r.pos) };
}

export interface DoneInput {
  readonly status?: number;
  readonly curCmd?: number;
  readonly rowCount?: bigint | number;
}

/** Encodes a DONE-family token; `type` defaults to DONE. */
export function encodeDone(input: DoneInput = {}, type: number = TokenType.Done): Buffer {
  return new TdsWriter(13)
    .uint8(type)
    .uint16(input.status ?? 0)
    .uint16(input.curCmd ?? 0)
    .uint64(BigInt(input.rowCount ?? 0))
    .take();
}
