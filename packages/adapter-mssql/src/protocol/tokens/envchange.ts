import type { TdsReader } from '../reader.js';
import { TdsWriter } from '../writer.js';
import { EnvChangeType, TokenType } from './token-types.js';
import type { EnvChangeToken, RoutingData } from './token-types.js';

const STRING_TYPES = new Set<number>([1, 2, 3, 4, 5, 6, 13, 19]);

/** Reads ENVCHANGE after the type byte. Unknown types are kept as bytes (bounded by the length). */
export function readEnvChange(r: TdsReader, start: number): EnvChangeToken {
  const length = r.uint16('length');
  r.need(length, 'ENVCHANGE body');
  const end = r.pos + length;
  const type = r.uint8('type');
  let newValue: string | Buffer;
  let oldValue: string | Buffer;
  let routing: RoutingData | undefined;
  if (STRING_TYPES.has(type)) {
    newValue = r.bVarchar('new value');
    oldValue = r.bVarchar('old value');
  } else if (type === EnvChangeType.Routing) {
    const dataLength = r.uint16('routing data length');
    const dataEnd = r.pos + dataLength;
    const from = r.pos;
    const protocol = r.uint8('routing protocol');
    const port = r.uint16('routing port');
    const server = r.usVarchar('routing server');
    if (r.pos !== dataEnd) r.fail('routing data length does not match its fields');
    newValue = r.buf.subarray(from, dataEnd);
    routing = { protocol, port, server };
    oldValue = r.bytes(r.uint16('old routing length'), 'old routing value');
  } else if (type === EnvChangeType.PromoteTransaction) {
    newValue = r.bytes(r.uint32('promote length'), 'promote value');
    oldValue = r.bVarbyte('old value');
  } else if (type <= 0x7f && end - r.pos >= 2) {
    newValue = r.bVarbyte('new value');
    oldValue = r.bVarbyte('old value');
  } else {
    newValue = r.bytes(end - r.pos, 'value');
    oldValue = Buffer.alloc(0);
  }
  if (r.pos !== end) r.fail(`ENVCHANGE type ${type} length ${length} does not match its fields`);
  const token: EnvChangeToken = { kind: 'envchange', type, newValue, oldValue, raw: r.buf.subarray(start, r.pos) };
  return routing ? { ...token, routing } : token;
}

function finish(w: TdsWriter): Buffer {
  const out = w.take();
  out.writeUInt16LE(out.length - 3, 1);
  return out;
}

/** ENVCHANGE for the string-valued types (database, language, packet size, …). */
export function encodeEnvChangeString(type: number, newValue: string, oldValue: string): Buffer {
  return finish(new TdsWriter().uint8(TokenType.EnvChange).uint16(0).uint8(type).bVarchar(newValue).bVarchar(oldValue));
}

/** ENVCHANGE for the B_VARBYTE types (collation, begin/commit/rollback transaction, reset ack). */
export function encodeEnvChangeBytes(type: number, newValue: Buffer, oldValue: Buffer): Buffer {
  return finish(new TdsWriter().uint8(TokenType.EnvChange).uint16(0).uint8(type).bVarbyte(newValue).bVarbyte(oldValue));
}

/** ENVCHANGE type 20: route the client to another server. */
export function encodeRoutingEnvChange(routing: RoutingData): Buffer {
  const data = new TdsWriter().uint8(routing.protocol).uint16(routing.port).usVarchar(routing.server).take();
  return finish(new TdsWriter().uint8(TokenType.EnvChange).uint16(0).uint8(EnvChangeType.Routing).uint16(data.length).bytes(data).uint16(0));
}
