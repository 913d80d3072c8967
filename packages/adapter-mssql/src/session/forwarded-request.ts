import { DataType, DEFAULT_COLLATION, MAX_LENGTH_PLP, writeTypeInfo } from '../protocol/data-types.js';
import type { TypeInfo } from '../protocol/data-types.js';
import type { Message } from '../protocol/message.js';
import { encodeMessage, PacketStatus, PacketType } from '../protocol/packet.js';
import type { RpcCall, RpcRequest } from '../protocol/requests/rpc.js';
import { writeValue } from '../protocol/values.js';
import { TdsWriter } from '../protocol/writer.js';
import type { RequestPlan, TextSlot } from './request-plan.js';

/** A W3C traceparent, checked before it goes into SQL text (it must never be able to end the comment). */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The text to forward for one statement: the decision's rewrite, then the trace comment. Undefined: unchanged. */
export function forwardedText(original: string, forwardText: string | undefined, traceparent: string | undefined): string | undefined {
  const trace = traceparent !== undefined && TRACEPARENT.test(traceparent) ? ` /*traceparent='${traceparent}'*/` : '';
  if (forwardText === undefined && trace === '') return undefined;
  return `${forwardText ?? original}${trace}`;
}

/** A replacement text for one slot of the request. */
export interface TextReplacement {
  readonly slot: TextSlot;
  readonly text: string;
}

const RESET_BITS = PacketStatus.ResetConnection | PacketStatus.ResetConnectionSkipTran;

/**
 * The request as it goes upstream: the client's packets verbatim when nothing changed; otherwise
 * the message re-encoded with the replaced texts (ALL_HEADERS, every other parameter byte and the
 * first packet's RESETCONNECTION bits kept as the client sent them).
 */
export function forwardedRequest(message: Message, plan: RequestPlan, replacements: readonly TextReplacement[], packetSize: number): Buffer {
  if (replacements.length === 0) {
    return message.packets.length === 1 ? message.packets[0]!.raw : Buffer.concat(message.packets.map((packet) => packet.raw));
  }
  const options = { packetSize, firstStatus: message.status & RESET_BITS };
  if (plan.kind === 'batch') {
    const text = replacements[0]!.text;
    const headers = message.payload.subarray(0, plan.headersLength ?? 0);
    return encodeMessage(PacketType.SqlBatch, Buffer.concat([headers, Buffer.from(text, 'utf16le')]), options);
  }
  return encodeMessage(PacketType.Rpc, rewriteRpcPayload(plan.rpc!, replacements), options);
}

/** Splices new statement parameters into an RPC payload, in payload order. */
function rewriteRpcPayload(rpc: RpcRequest, replacements: readonly TextReplacement[]): Buffer {
  const edits = replacements
    .map(({ slot, text }) => {
      if (slot.kind !== 'rpc-parameter') throw new TypeError('an RPC request has only parameter slots');
      const call = rpc.calls[slot.call]!;
      const parameter = call.parameters[slot.parameter]!;
      return { start: parameterStart(call, slot.parameter), end: parameter.value.end, bytes: statementParameter(parameter.name, parameter.status, parameter.typeInfo, text) };
    })
    .sort((a, b) => a.start - b.start);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const edit of edits) {
    pieces.push(rpc.payload.subarray(at, edit.start), edit.bytes);
    at = edit.end;
  }
  pieces.push(rpc.payload.subarray(at));
  return Buffer.concat(pieces);
}

/** Where parameter `index` of a call begins (its name's length byte). */
function parameterStart(call: RpcCall, index: number): number {
  if (index > 0) return call.parameters[index - 1]!.value.end;
  const name = call.procId !== undefined ? 4 : 2 + 2 * (call.procName ?? '').length;
  return call.start + name + 2;
}

/** The statement parameter re-encoded as nvarchar(max), whatever length the client declared. */
function statementParameter(name: string, status: number, original: TypeInfo, text: string): Buffer {
  const info: TypeInfo = { type: DataType.NVarChar, length: MAX_LENGTH_PLP, collation: original.collation ?? DEFAULT_COLLATION };
  const w = new TdsWriter(64 + text.length * 2);
  w.bVarchar(name).uint8(status);
  writeTypeInfo(w, info);
  writeValue(w, info, text, 'param');
  return w.take();
}
