import type { TdsReader } from '../reader.js';
import { TdsWriter } from '../writer.js';
import { TokenType } from './token-types.js';
import type { LoginAckToken } from './token-types.js';

/** Reads LOGINACK after the type byte. */
export function readLoginAck(r: TdsReader, start: number): LoginAckToken {
  const length = r.uint16('length');
  r.need(length, 'LOGINACK body');
  const end = r.pos + length;
  const iface = r.uint8('interface');
  const tdsVersion = r.uint32be('TDS version');
  const progName = r.bVarchar('program name');
  const major = r.uint8('major');
  const minor = r.uint8('minor');
  const buildHi = r.uint8('build hi');
  const buildLow = r.uint8('build low');
  if (r.pos !== end) r.fail(`LOGINACK length ${length} does not match its fields`);
  return { kind: 'loginack', interface: iface, tdsVersion, progName, progVersion: { major, minor, buildHi, buildLow }, raw: r.buf.subarray(start, r.pos) };
}

export interface LoginAckInput {
  readonly tdsVersion?: number;
  readonly progName?: string;
  readonly progVersion?: { readonly major: number; readonly minor: number; readonly buildHi: number; readonly buildLow: number };
}

/** Encodes LOGINACK (interface 1 = SQL_TSQL). */
export function encodeLoginAck(input: LoginAckInput = {}): Buffer {
  const v = input.progVersion ?? { major: 16, minor: 0, buildHi: 0x10, buildLow: 0x00 };
  const out = new TdsWriter()
    .uint8(TokenType.LoginAck)
    .uint16(0)
    .uint8(1)
    .uint32be(input.tdsVersion ?? 0x74000004)
    .bVarchar(input.progName ?? 'Microsoft SQL Server')
    .uint8(v.major)
    .uint8(v.minor)
    .uint8(v.buildHi)
    .uint8(v.buildLow)
    .take();
  out.writeUInt16LE(out.length - 3, 1);
  return out;
}
