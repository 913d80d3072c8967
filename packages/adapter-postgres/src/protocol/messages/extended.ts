import { BackendCode, FrontendCode } from '../codes.js';
import { openFrame } from '../cursor.js';
import type { MessageCursor } from '../cursor.js';
import type { Frame } from '../frame.js';
import { MessageWriter } from '../writer.js';
import { constantMessage, expectEmpty } from './common.js';

/** Parse ('P'): prepare `query` as statement `name` ('' = unnamed). */
export interface ParseMessage {
  readonly type: 'parse';
  readonly name: string;
  readonly query: string;
  /** Declared parameter types; 0 leaves a type to the server. Often shorter than the parameter count. */
  readonly paramTypeOids: readonly number[];
}

/** Bind ('B'): bind parameter values to a prepared statement, creating portal `portal`. */
export interface BindMessage {
  readonly type: 'bind';
  readonly portal: string;
  readonly statement: string;
  /** 0 entries: all text; 1 entry: applies to all; otherwise one per parameter (checked). */
  readonly paramFormats: readonly number[];
  /** Views into the frame; null is SQL NULL. */
  readonly params: ReadonlyArray<Buffer | null>;
  /** Same 0 / 1 / per-column convention as paramFormats. */
  readonly resultFormats: readonly number[];
}

/** 'S' = prepared statement, 'P' = portal. */
export type TargetKind = 'S' | 'P';

/** Describe ('D') and Close ('C') share their layout. */
export interface DescribeMessage {
  readonly type: 'describe';
  readonly kind: TargetKind;
  readonly name: string;
}

export interface CloseMessage {
  readonly type: 'close';
  readonly kind: TargetKind;
  readonly name: string;
}

export interface ExecuteMessage {
  readonly type: 'execute';
  readonly portal: string;
  /** 0 = no limit. */
  readonly maxRows: number;
}

export interface SyncMessage {
  readonly type: 'sync';
}

export interface FlushMessage {
  readonly type: 'flush';
}

export interface ParameterDescriptionMessage {
  readonly type: 'parameterDescription';
  readonly typeOids: readonly number[];
}

/** Body-less backend acknowledgements of the extended protocol. */
export interface ExtendedAckMessage {
  readonly type: 'parseComplete' | 'bindComplete' | 'closeComplete' | 'noData' | 'portalSuspended';
}

export function decodeParse(frame: Frame): ParseMessage {
  const cursor = openFrame(frame, 'typed', FrontendCode.Parse, 'Parse', true);
  const name = cursor.cstring('statement name');
  const query = cursor.cstring('query text');
  const count = cursor.count16('parameter type count');
  const paramTypeOids: number[] = [];
  for (let i = 0; i < count; i++) paramTypeOids.push(cursor.uint32(`parameter ${i + 1} type`));
  cursor.end();
  return { type: 'parse', name, query, paramTypeOids };
}

export function encodeParse(name: string, query: string, paramTypeOids: readonly number[] = []): Buffer {
  const writer = new MessageWriter().cstring(name).cstring(query).int16(paramTypeOids.length);
  for (const oid of paramTypeOids) writer.int32(oid);
  return writer.frame(FrontendCode.Parse);
}

function readFormats(cursor: MessageCursor, what: string): number[] {
  const count = cursor.count16(`${what} count`);
  const formats: number[] = [];
  for (let i = 0; i < count; i++) formats.push(cursor.int16(what));
  return formats;
}

/**
 * Decodes Bind. The format-count rule is enforced here because the server enforces it too (as a
 * protocol violation): with any other count, "which format is parameter i" has no answer.
 */
export function decodeBind(frame: Frame): BindMessage {
  const cursor = openFrame(frame, 'typed', FrontendCode.Bind, 'Bind', true);
  const portal = cursor.cstring('portal name');
  const statement = cursor.cstring('statement name');
  const paramFormats = readFormats(cursor, 'parameter format');
  const count = cursor.count16('parameter count');
  const params: Array<Buffer | null> = [];
  for (let i = 0; i < count; i++) params.push(cursor.nullableBytes(`parameter ${i + 1}`));
  const resultFormats = readFormats(cursor, 'result format');
  cursor.end();
  if (paramFormats.length > 1 && paramFormats.length !== params.length) {
    cursor.fail(`${paramFormats.length} parameter formats for ${params.length} parameters`);
  }
  return { type: 'bind', portal, statement, paramFormats, params, resultFormats };
}

/** What the relay needs from a Bind: the names. */
export interface BindTarget {
  readonly portal: string;
  readonly statement: string;
}

/**
 * Bind's names, with the whole message checked exactly as decodeBind checks it (so a malformed Bind
 * fails the same way) but without copying out formats and parameter values: the relay forwards
 * the raw bytes and needs only the names, once per execution of every prepared statement.
 */
export function decodeBindTarget(frame: Frame): BindTarget {
  const cursor = openFrame(frame, 'typed', FrontendCode.Bind, 'Bind', true);
  const portal = cursor.cstring('portal name');
  const statement = cursor.cstring('statement name');
  const formatCount = cursor.count16('parameter format count');
  for (let i = 0; i < formatCount; i++) cursor.int16('parameter format');
  const count = cursor.count16('parameter count');
  for (let i = 0; i < count; i++) cursor.skipNullableBytes(`parameter ${i + 1}`);
  const resultCount = cursor.count16('result format count');
  for (let i = 0; i < resultCount; i++) cursor.int16('result format');
  cursor.end();
  if (formatCount > 1 && formatCount !== count) cursor.fail(`${formatCount} parameter formats for ${count} parameters`);
  return { portal, statement };
}

export interface BindInput {
  readonly portal?: string;
  readonly statement?: string;
  readonly paramFormats?: readonly number[];
  readonly params?: ReadonlyArray<Uint8Array | null>;
  readonly resultFormats?: readonly number[];
}

export function encodeBind(input: BindInput): Buffer {
  const { paramFormats = [], params = [], resultFormats = [] } = input;
  const writer = new MessageWriter().cstring(input.portal ?? '').cstring(input.statement ?? '').int16(paramFormats.length);
  for (const format of paramFormats) writer.int16(format);
  writer.int16(params.length);
  for (const param of params) writer.nullableBytes(param);
  writer.int16(resultFormats.length);
  for (const format of resultFormats) writer.int16(format);
  return writer.frame(FrontendCode.Bind);
}

function readTarget(cursor: MessageCursor): { kind: TargetKind; name: string } {
  const kind = cursor.byte('target kind');
  if (kind !== 0x53 && kind !== 0x50) cursor.fail(`target kind 0x${kind.toString(16)} is neither 'S' nor 'P'`);
  const name = cursor.cstring('name');
  cursor.end();
  return { kind: kind === 0x53 ? 'S' : 'P', name };
}

export function decodeDescribe(frame: Frame): DescribeMessage {
  const { kind, name } = readTarget(openFrame(frame, 'typed', FrontendCode.Describe, 'Describe', true));
  return { type: 'describe', kind, name };
}

export function encodeDescribe(kind: TargetKind, name: string): Buffer {
  return new MessageWriter().string(kind).cstring(name).frame(FrontendCode.Describe);
}

export function decodeClose(frame: Frame): CloseMessage {
  const { kind, name } = readTarget(openFrame(frame, 'typed', FrontendCode.Close, 'Close', true));
  return { type: 'close', kind, name };
}

export function encodeClose(kind: TargetKind, name: string): Buffer {
  return new MessageWriter().string(kind).cstring(name).frame(FrontendCode.Close);
}

export function decodeExecute(frame: Frame): ExecuteMessage {
  const cursor = openFrame(frame, 'typed', FrontendCode.Execute, 'Execute', true);
  const portal = cursor.cstring('portal name');
  const maxRows = cursor.int32('row limit');
  cursor.end();
  return { type: 'execute', portal, maxRows };
}

export function encodeExecute(portal = '', maxRows = 0): Buffer {
  return new MessageWriter().cstring(portal).int32(maxRows).frame(FrontendCode.Execute);
}

export function decodeSync(frame: Frame): SyncMessage {
  expectEmpty(frame, FrontendCode.Sync, 'Sync');
  return { type: 'sync' };
}

export function decodeFlush(frame: Frame): FlushMessage {
  expectEmpty(frame, FrontendCode.Flush, 'Flush');
  return { type: 'flush' };
}

const SYNC = constantMessage(FrontendCode.Sync);
const FLUSH = constantMessage(FrontendCode.Flush);

/** Sync (shared buffer: read-only). */
export function encodeSync(): Buffer {
  return SYNC;
}

/** Flush (shared buffer: read-only). */
export function encodeFlush(): Buffer {
  return FLUSH;
}

export function decodeParameterDescription(frame: Frame): ParameterDescriptionMessage {
  const cursor = openFrame(frame, 'typed', BackendCode.ParameterDescription, 'ParameterDescription', false);
  const count = cursor.count16('parameter count');
  const typeOids: number[] = [];
  for (let i = 0; i < count; i++) typeOids.push(cursor.uint32(`parameter ${i + 1} type`));
  cursor.end();
  return { type: 'parameterDescription', typeOids };
}

export function encodeParameterDescription(typeOids: readonly number[]): Buffer {
  const writer = new MessageWriter().int16(typeOids.length);
  for (const oid of typeOids) writer.int32(oid);
  return writer.frame(BackendCode.ParameterDescription);
}

const ACKS = {
  parseComplete: [BackendCode.ParseComplete, 'ParseComplete'],
  bindComplete: [BackendCode.BindComplete, 'BindComplete'],
  closeComplete: [BackendCode.CloseComplete, 'CloseComplete'],
  noData: [BackendCode.NoData, 'NoData'],
  portalSuspended: [BackendCode.PortalSuspended, 'PortalSuspended'],
} as const satisfies Record<ExtendedAckMessage['type'], readonly [number, string]>;

/** Decodes ParseComplete, BindComplete, CloseComplete, NoData or PortalSuspended. */
export function decodeExtendedAck(frame: Frame, type: ExtendedAckMessage['type']): ExtendedAckMessage {
  const [code, name] = ACKS[type];
  expectEmpty(frame, code, name);
  return { type };
}

const PARSE_COMPLETE = constantMessage(BackendCode.ParseComplete);
const BIND_COMPLETE = constantMessage(BackendCode.BindComplete);
const CLOSE_COMPLETE = constantMessage(BackendCode.CloseComplete);
const NO_DATA = constantMessage(BackendCode.NoData);
const PORTAL_SUSPENDED = constantMessage(BackendCode.PortalSuspended);

/** ParseComplete (shared buffer: read-only). */
export function encodeParseComplete(): Buffer {
  return PARSE_COMPLETE;
}

/** BindComplete (shared buffer: read-only). */
export function encodeBindComplete(): Buffer {
  return BIND_COMPLETE;
}

/** CloseComplete (shared buffer: read-only). */
export function encodeCloseComplete(): Buffer {
  return CLOSE_COMPLETE;
}

/** NoData (shared buffer: read-only). */
export function encodeNoData(): Buffer {
  return NO_DATA;
}

/** PortalSuspended (shared buffer: read-only). */
export function encodePortalSuspended(): Buffer {
  return PORTAL_SUSPENDED;
}
