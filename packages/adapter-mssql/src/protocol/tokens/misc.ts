import { readTypeInfo, writeTypeInfo } from '../data-types.js';
import type { TypeInfo } from '../data-types.js';
import type { TdsReader } from '../reader.js';
import { scanValue } from '../value-layout.js';
import { writeValue } from '../values.js';
import type { TdsValue } from '../values.js';
import { TdsWriter } from '../writer.js';
import { TokenType } from './token-types.js';
import type { FeatureExtAckToken, FedAuthInfoToken, OpaqueToken, OrderToken, ReturnStatusToken, ReturnValueToken, TokenContext } from './token-types.js';

export function readOrder(r: TdsReader, start: number): OrderToken {
  const length = r.uint16('length');
  if (length % 2 !== 0) r.fail(`ORDER length ${length} is odd`);
  r.need(length, 'ORDER body');
  const columns: number[] = [];
  for (let i = 0; i < length / 2; i++) columns.push(r.uint16('column'));
  return { kind: 'order', columns, raw: r.buf.subarray(start, r.pos) };
}

export function encodeOrder(columns: readonly number[]): Buffer {
  const w = new TdsWriter().uint8(TokenType.Order).uint16(columns.length * 2);
  for (const c of columns) w.uint16(c);
  return w.take();
}

export function readReturnStatus(r: TdsReader, start: number): ReturnStatusToken {
  return { kind: 'returnstatus', value: r.int32('return status'), raw: r.buf.subarray(start, r.pos) };
}

export function encodeReturnStatus(value: number): Buffer {
  return new TdsWriter(5).uint8(TokenType.ReturnStatus).int32(value).take();
}

export function readReturnValue(r: TdsReader, start: number, ctx: TokenContext): ReturnValueToken {
  const ordinal = r.uint16('parameter ordinal');
  const name = r.bVarchar('parameter name');
  const status = r.uint8('status');
  const userType = r.uint32('user type');
  const flags = r.uint16('flags');
  const typeInfo = readTypeInfo(r);
  const v = scanValue(r, typeInfo, 'param', ctx.maxValueBytes);
  const value = { start: v.start - start, end: v.end - start, dataStart: v.dataStart - start, isNull: v.isNull, framing: v.framing };
  return { kind: 'returnvalue', ordinal, name, status, userType, flags, typeInfo, value, raw: r.buf.subarray(start, r.pos) };
}

export interface ReturnValueInput {
  readonly ordinal: number;
  readonly name: string;
  /** 0x01 output parameter, 0x02 user-defined function return value. */
  readonly status?: number;
  readonly typeInfo: TypeInfo;
  readonly value: TdsValue;
}

export function encodeReturnValue(input: ReturnValueInput): Buffer {
  const w = new TdsWriter()
    .uint8(TokenType.ReturnValue)
    .uint16(input.ordinal)
    .bVarchar(input.name)
    .uint8(input.status ?? 0x01)
    .uint32(0)
    .uint16(0x0001);
  writeTypeInfo(w, input.typeInfo);
  writeValue(w, input.typeInfo, input.value, 'param');
  return w.take();
}

export function readFeatureExtAck(r: TdsReader, start: number): FeatureExtAckToken {
  const features: { id: number; data: Buffer }[] = [];
  for (;;) {
    const id = r.uint8('feature id');
    if (id === 0xff) break;
    const length = r.uint32('feature data length');
    features.push({ id, data: r.bytes(length, 'feature data') });
    if (features.length > 64) r.fail('more than 64 acknowledged features');
  }
  return { kind: 'featureextack', features, raw: r.buf.subarray(start, r.pos) };
}

export function encodeFeatureExtAck(features: readonly { readonly id: number; readonly data: Buffer }[]): Buffer {
  const w = new TdsWriter().uint8(TokenType.FeatureExtAck);
  for (const f of features) w.uint8(f.id).uint32(f.data.length).bytes(f.data);
  return w.uint8(0xff).take();
}

const FEDAUTHINFO_STSURL = 0x01;
const FEDAUTHINFO_SPN = 0x02;

export function readFedAuthInfo(r: TdsReader, start: number): FedAuthInfoToken {
  const length = r.uint32('length');
  const data = r.bytes(length, 'FEDAUTHINFO body');
  if (data.length < 4) r.fail('FEDAUTHINFO has no option count');
  const count = data.readUInt32LE(0);
  if (4 + count * 9 > data.length) r.fail(`FEDAUTHINFO announces ${count} options that do not fit`);
  const options: { id: number; data: Buffer }[] = [];
  let stsUrl: string | undefined;
  let spn: string | undefined;
  for (let i = 0; i < count; i++) {
    const at = 4 + i * 9;
    const id = data[at]!;
    const len = data.readUInt32LE(at + 1);
    const off = data.readUInt32LE(at + 5);
    if (off + len > data.length) r.fail(`FEDAUTHINFO option ${id} lies outside the token`);
    const value = data.subarray(off, off + len);
    options.push({ id, data: value });
    if (id === FEDAUTHINFO_STSURL) stsUrl = value.toString('utf16le');
    if (id === FEDAUTHINFO_SPN) spn = value.toString('utf16le');
  }
  const token: FedAuthInfoToken = { kind: 'fedauthinfo', options, raw: r.buf.subarray(start, r.pos) };
  return { ...token, ...(stsUrl !== undefined ? { stsUrl } : {}), ...(spn !== undefined ? { spn } : {}) };
}

export function encodeFedAuthInfo(info: { readonly stsUrl: string; readonly spn: string }): Buffer {
  const sts = Buffer.from(info.stsUrl, 'utf16le');
  const spn = Buffer.from(info.spn, 'utf16le');
  const header = 4 + 2 * 9;
  const body = Buffer.alloc(header + sts.length + spn.length);
  body.writeUInt32LE(2, 0);
  body[4] = FEDAUTHINFO_STSURL;
  body.writeUInt32LE(sts.length, 5);
  body.writeUInt32LE(header, 9);
  body[13] = FEDAUTHINFO_SPN;
  body.writeUInt32LE(spn.length, 14);
  body.writeUInt32LE(header + sts.length, 18);
  sts.copy(body, header);
  spn.copy(body, header + sts.length);
  return new TdsWriter().uint8(TokenType.FedAuthInfo).uint32(body.length).bytes(body).take();
}

/** Tokens with a USHORT length that the codec frames without interpreting. */
export function readUshortOpaque(r: TdsReader, start: number, type: number): OpaqueToken {
  const data = r.bytes(r.uint16('length'), 'token body');
  return { kind: 'opaque', type, data, raw: r.buf.subarray(start, r.pos) };
}

/** Tokens with a DWORD length (SESSIONSTATE). */
export function readUlongOpaque(r: TdsReader, start: number, type: number, maxBytes: number): OpaqueToken {
  const length = r.uint32('length');
  if (length > maxBytes) r.fail(`token 0x${type.toString(16)} of ${length} bytes exceeds the cap`);
  const data = r.bytes(length, 'token body');
  return { kind: 'opaque', type, data, raw: r.buf.subarray(start, r.pos) };
}
