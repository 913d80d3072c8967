import { ProtocolError, ProtocolErrorCode } from '../../errors.js';
import { BackendCode, FrontendCode } from '../codes.js';
import { openFrame } from '../cursor.js';
import type { Frame } from '../frame.js';
import { MessageWriter } from '../writer.js';
import { constantMessage, expectEmpty } from './common.js';

export type CopyResponseType = 'copyInResponse' | 'copyOutResponse' | 'copyBothResponse';

/** CopyInResponse ('G'), CopyOutResponse ('H'), CopyBothResponse ('W'): the server switches to COPY mode. */
export interface CopyResponseMessage {
  readonly type: CopyResponseType;
  /** 0 textual (columnFormats all 0), 1 binary. */
  readonly format: number;
  readonly columnFormats: readonly number[];
}

/** CopyData ('d', both directions): an opaque slice of the COPY stream; row boundaries are not implied. */
export interface CopyDataMessage {
  readonly type: 'copyData';
  readonly data: Buffer;
}

export interface CopyDoneMessage {
  readonly type: 'copyDone';
}

/** CopyFail ('f', frontend): the client aborts COPY FROM STDIN. */
export interface CopyFailMessage {
  readonly type: 'copyFail';
  readonly message: string;
}

const COPY_RESPONSES = {
  copyInResponse: [BackendCode.CopyInResponse, 'CopyInResponse'],
  copyOutResponse: [BackendCode.CopyOutResponse, 'CopyOutResponse'],
  copyBothResponse: [BackendCode.CopyBothResponse, 'CopyBothResponse'],
} as const satisfies Record<CopyResponseType, readonly [number, string]>;

export function decodeCopyResponse(frame: Frame, type: CopyResponseType): CopyResponseMessage {
  const [code, name] = COPY_RESPONSES[type];
  const cursor = openFrame(frame, 'typed', code, name, false);
  const format = cursor.byte('overall format');
  if (format > 1) cursor.fail(`overall format ${format} is neither 0 (text) nor 1 (binary)`);
  const count = cursor.count16('column count');
  const columnFormats: number[] = [];
  for (let i = 0; i < count; i++) columnFormats.push(cursor.int16(`column ${i + 1} format`));
  cursor.end();
  return { type, format, columnFormats };
}

export function encodeCopyResponse(type: CopyResponseType, format: number, columnFormats: readonly number[]): Buffer {
  const entry = COPY_RESPONSES[type];
  if (entry === undefined) throw new ProtocolError(ProtocolErrorCode.Unencodable, `unknown COPY response type ${JSON.stringify(type)}`);
  const writer = new MessageWriter().byte(format).int16(columnFormats.length);
  for (const columnFormat of columnFormats) writer.int16(columnFormat);
  return writer.frame(entry[0]);
}

/** Decodes CopyData from either direction (the code 'd' is the same both ways). */
export function decodeCopyData(frame: Frame): CopyDataMessage {
  return { type: 'copyData', data: openFrame(frame, 'typed', BackendCode.CopyData, 'CopyData', false).rest() };
}

export function encodeCopyData(data: Uint8Array): Buffer {
  return new MessageWriter(data.length + 8).bytes(data).frame(FrontendCode.CopyData);
}

export function decodeCopyDone(frame: Frame): CopyDoneMessage {
  expectEmpty(frame, BackendCode.CopyDone, 'CopyDone');
  return { type: 'copyDone' };
}

const COPY_DONE = constantMessage(FrontendCode.CopyDone);

/** CopyDone, either direction (shared buffer: read-only). */
export function encodeCopyDone(): Buffer {
  return COPY_DONE;
}

export function decodeCopyFail(frame: Frame): CopyFailMessage {
  const cursor = openFrame(frame, 'typed', FrontendCode.CopyFail, 'CopyFail', true);
  const message = cursor.cstring('error message');
  cursor.end();
  return { type: 'copyFail', message };
}

export function encodeCopyFail(message: string): Buffer {
  return new MessageWriter().cstring(message).frame(FrontendCode.CopyFail);
}
