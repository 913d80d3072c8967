import type { TdsReader } from '../reader.js';
import { TdsWriter } from '../writer.js';
import { TokenType } from './token-types.js';
import type { MessageToken } from './token-types.js';

/** Reads ERROR or INFO after the type byte; the USHORT length bounds every inner field. */
export function readMessageToken(r: TdsReader, start: number, kind: 'error' | 'info'): MessageToken {
  const length = r.uint16('length');
  r.need(length, 'message body');
  const end = r.pos + length;
  const number = r.int32('number');
  const state = r.uint8('state');
  const klass = r.uint8('class');
  const message = r.usVarchar('message');
  const serverName = r.bVarchar('server name');
  const procName = r.bVarchar('procedure name');
  const lineNumber = r.int32('line number');
  if (r.pos !== end) r.fail(`${kind.toUpperCase()} length ${length} does not match its fields (${r.pos - (end - length)} bytes)`);
  return { kind, number, state, class: klass, message, serverName, procName, lineNumber, raw: r.buf.subarray(start, r.pos) };
}

export interface MessageInput {
  readonly number: number;
  readonly state?: number;
  readonly class: number;
  readonly message: string;
  readonly serverName?: string;
  readonly procName?: string;
  readonly lineNumber?: number;
}

/** Encodes ERROR (`kind` error) or INFO. Long messages are cut to the US_VARCHAR limit. */
export function encodeMessageToken(kind: 'error' | 'info', input: MessageInput): Buffer {
  const w = new TdsWriter();
  w.uint8(kind === 'error' ? TokenType.Error : TokenType.Info).uint16(0);
  w.int32(input.number)
    .uint8(input.state ?? 1)
    .uint8(input.class)
    .usVarchar(input.message.slice(0, 0xffff))
    .bVarchar((input.serverName ?? '').slice(0, 255))
    .bVarchar((input.procName ?? '').slice(0, 255))
    .int32(input.lineNumber ?? 1);
  const out = w.take();
  out.writeUInt16LE(out.length - 3, 1);
  return out;
}
