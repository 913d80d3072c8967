import { BackendCode, FrontendCode } from '../codes.js';
import { openFrame } from '../cursor.js';
import type { Frame } from '../frame.js';
import { MessageWriter } from '../writer.js';

/**
 * FunctionCall ('F'): the legacy fast-path call of a function by OID, bypassing SQL. A policy engine
 * sees no statement text here, so the session must classify it by OID (or refuse it).
 */
export interface FunctionCallMessage {
  readonly type: 'functionCall';
  readonly functionOid: number;
  readonly argFormats: readonly number[];
  /** Views; null is SQL NULL. */
  readonly args: ReadonlyArray<Buffer | null>;
  readonly resultFormat: number;
}

export interface FunctionCallResponseMessage {
  readonly type: 'functionCallResponse';
  /** View, or null for a NULL result. */
  readonly result: Buffer | null;
}

export function decodeFunctionCall(frame: Frame): FunctionCallMessage {
  const cursor = openFrame(frame, 'typed', FrontendCode.FunctionCall, 'FunctionCall', true);
  const functionOid = cursor.uint32('function OID');
  const formatCount = cursor.count16('argument format count');
  const argFormats: number[] = [];
  for (let i = 0; i < formatCount; i++) argFormats.push(cursor.int16(`argument ${i + 1} format`));
  const argCount = cursor.count16('argument count');
  const args: Array<Buffer | null> = [];
  for (let i = 0; i < argCount; i++) args.push(cursor.nullableBytes(`argument ${i + 1}`));
  const resultFormat = cursor.int16('result format');
  cursor.end();
  if (argFormats.length > 1 && argFormats.length !== args.length) {
    cursor.fail(`${argFormats.length} argument formats for ${args.length} arguments`);
  }
  return { type: 'functionCall', functionOid, argFormats, args, resultFormat };
}

export interface FunctionCallInput {
  readonly functionOid: number;
  readonly argFormats?: readonly number[];
  readonly args?: ReadonlyArray<Uint8Array | null>;
  readonly resultFormat?: number;
}

export function encodeFunctionCall(input: FunctionCallInput): Buffer {
  const { argFormats = [], args = [] } = input;
  const writer = new MessageWriter().int32(input.functionOid).int16(argFormats.length);
  for (const format of argFormats) writer.int16(format);
  writer.int16(args.length);
  for (const arg of args) writer.nullableBytes(arg);
  return writer.int16(input.resultFormat ?? 0).frame(FrontendCode.FunctionCall);
}

export function decodeFunctionCallResponse(frame: Frame): FunctionCallResponseMessage {
  const cursor = openFrame(frame, 'typed', BackendCode.FunctionCallResponse, 'FunctionCallResponse', false);
  const result = cursor.nullableBytes('result');
  cursor.end();
  return { type: 'functionCallResponse', result };
}

export function encodeFunctionCallResponse(result: Uint8Array | null): Buffer {
  return new MessageWriter().nullableBytes(result).frame(BackendCode.FunctionCallResponse);
}
