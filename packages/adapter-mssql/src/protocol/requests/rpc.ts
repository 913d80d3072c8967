import { CHARACTER_TYPES, readTypeInfo, UNICODE_TYPES, writeTypeInfo } from '../data-types.js';
import type { TypeInfo } from '../data-types.js';
import { messageReader } from '../reader.js';
import type { TdsReader } from '../reader.js';
import { scanValue, valueBytes } from '../value-layout.js';
import type { ValueRange } from '../value-layout.js';
import { writeValue } from '../values.js';
import type { TdsValue } from '../values.js';
import { TdsWriter } from '../writer.js';
import { encodeAllHeaders, readAllHeaders } from './all-headers.js';
import type { AllHeaders } from './all-headers.js';
import type { ExecuteSqlMemo } from './execute-sql-memo.js';

/** Well-known procedure ids (MS-TDS 2.2.6.6, ProcID). */
export const ProcId = {
  Cursor: 1,
  CursorOpen: 2,
  CursorPrepare: 3,
  CursorExecute: 4,
  CursorPrepExec: 5,
  CursorUnprepare: 6,
  CursorFetch: 7,
  CursorOption: 8,
  CursorClose: 9,
  ExecuteSql: 10,
  Prepare: 11,
  Execute: 12,
  PrepExec: 13,
  PrepExecRpc: 14,
  Unprepare: 15,
} as const;

const PROC_NAMES: Record<number, string> = {
  1: 'sp_cursor',
  2: 'sp_cursoropen',
  3: 'sp_cursorprepare',
  4: 'sp_cursorexecute',
  5: 'sp_cursorprepexec',
  6: 'sp_cursorunprepare',
  7: 'sp_cursorfetch',
  8: 'sp_cursoroption',
  9: 'sp_cursorclose',
  10: 'sp_executesql',
  11: 'sp_prepare',
  12: 'sp_execute',
  13: 'sp_prepexec',
  14: 'sp_prepexecrpc',
  15: 'sp_unprepare',
};

/** RPC parameter status flags. */
export const ParamStatus = {
  ByRefValue: 0x01,
  DefaultValue: 0x02,
  Encrypted: 0x08,
} as const;

export interface RpcParameter {
  readonly name: string;
  readonly status: number;
  readonly typeInfo: TypeInfo;
  /** Where the value sits in the payload. Values stay bytes: never stringify or log them. */
  readonly value: ValueRange;
}

export interface RpcCall {
  /** Set when the call names the procedure by id. */
  readonly procId?: number;
  /** Set when the call names the procedure by name. */
  readonly procName?: string;
  readonly optionFlags: number;
  readonly parameters: readonly RpcParameter[];
  /** The call's byte range in the payload (for decisions per call in a batch). */
  readonly start: number;
  readonly end: number;
}

export interface RpcRequest {
  readonly headers: AllHeaders;
  /** TDS 7.2+ batches several calls separated by 0xFF (or 0xFE, "no exec"). */
  readonly calls: readonly RpcCall[];
  readonly payload: Buffer;
}

const BATCH_FLAG = 0xff;
/** SQL Server's limit on parameters per call. */
const MAX_PARAMETERS = 2100;
const NO_EXEC_FLAG = 0xfe;

/**
 * Decodes an RPC request payload (every call of the batch). With the session's `memo`, a first call
 * that repeats the last sp_executesql head byte for byte takes it from there: only its values are read.
 */
export function decodeRpc(payload: Buffer, memo?: ExecuteSqlMemo): RpcRequest {
  const headers = readAllHeaders(payload, 'RPC request');
  const r = messageReader(payload, 'RPC request', headers.length);
  // Most requests are one call: kept aside, so no array is grown for it (V8 reserves 17 slots on a first push).
  let first: RpcCall | undefined;
  let more: RpcCall[] | undefined;
  for (;;) {
    const start = r.pos;
    const head = first === undefined ? memo?.match(payload, start) : undefined;
    let procId: number | undefined;
    let procName: string | undefined;
    let optionFlags: number;
    let parameters: RpcParameter[];
    if (head) {
      procId = ProcId.ExecuteSql;
      optionFlags = head.optionFlags;
      parameters = [head.parameters[0], head.parameters[1]];
      r.pos = head.end;
    } else {
      parameters = [];
      const nameLength = r.uint16('NameLenProcID');
      if (nameLength === 0xffff) procId = r.uint16('ProcID');
      else {
        if (nameLength === 0 || nameLength > 1046) r.fail(`procedure name length ${nameLength} is outside 1..1046`);
        procName = r.ucs2(nameLength, 'procedure name');
      }
      optionFlags = r.uint16('OptionFlags');
    }
    while (r.remaining > 0 && r.buf[r.pos] !== BATCH_FLAG && r.buf[r.pos] !== NO_EXEC_FLAG) {
      let name: string;
      if (head) {
        const names = memo!.valueNames;
        const index = parameters.length;
        name = parameterName(r, names[index]);
        if (index < MAX_PARAMETERS) names[index] = name;
      } else name = r.bVarchar('parameter name');
      const status = r.uint8('parameter status');
      if ((status & ParamStatus.Encrypted) !== 0) r.fail('encrypted (Always Encrypted) parameters are not supported');
      const typeInfo = readTypeInfo(r);
      const value = scanValue(r, typeInfo, 'param');
      parameters.push({ name, status, typeInfo, value });
      if (parameters.length > MAX_PARAMETERS) r.fail(`more than ${MAX_PARAMETERS} parameters`);
    }
    // One fixed shape (absent fields undefined): conditional spreads here cost microseconds per request.
    const call: RpcCall = { procId, procName, optionFlags, parameters, start, end: r.pos };
    if (first === undefined) first = call;
    else (more ??= [first]).push(call);
    if (r.remaining === 0) break;
    r.uint8('batch flag');
    if (r.remaining === 0) break; // a trailing separator is tolerated, as SQL Server does
  }
  return { headers, calls: more ?? [first], payload };
}

/**
 * A parameter name (B_VARCHAR): `known` when the bytes spell it exactly (compared unit by unit, in
 * place: UTF-16LE decoding maps each byte pair to one code unit), else decoded.
 */
function parameterName(r: TdsReader, known: string | undefined): string {
  const chars = r.uint8('parameter name length');
  if (known !== undefined && known.length === chars) {
    r.need(chars * 2, 'parameter name');
    const buf = r.buf;
    const at = r.pos;
    let i = 0;
    while (i < chars && (buf[at + 2 * i]! | (buf[at + 2 * i + 1]! << 8)) === known.charCodeAt(i)) i++;
    if (i === chars) {
      r.pos = at + chars * 2;
      return known;
    }
  }
  return r.ucs2(chars, 'parameter name');
}

/**
 * The canonical lower-case name of the procedure a call runs: `sp_executesql` for id 10 and for
 * `[sys].[sp_executesql]` or `master..sp_executesql` by name (the server resolves both to the system
 * procedure, so the gateway must too). Other names are returned lower-cased, brackets removed.
 */
export function procedureName(call: RpcCall): string {
  if (call.procId !== undefined) return PROC_NAMES[call.procId] ?? `procid:${call.procId}`;
  const parts = (call.procName ?? '').split('.').map((p) => p.trim().replace(/^\[(.*)\]$/s, '$1').replace(/^"(.*)"$/s, '$1'));
  const last = (parts[parts.length - 1] ?? '').toLowerCase();
  const systemSchema = parts.length === 1 || ['sys', 'dbo', ''].includes((parts[parts.length - 2] ?? '').toLowerCase());
  if (systemSchema && Object.values(PROC_NAMES).includes(last)) return last;
  return parts.join('.').toLowerCase();
}

/** A string parameter's text (nvarchar/ntext UCS-2, varchar Latin-1); undefined for NULL or non-text types. */
export function parameterText(payload: Buffer, parameter: RpcParameter): string | undefined {
  if (!CHARACTER_TYPES.has(parameter.typeInfo.type)) return undefined;
  const range = parameter.value;
  if (range.isNull) return undefined;
  // The common case (not PLP) decodes straight from the payload, without a view per value.
  if (range.framing !== 'plp') return payload.toString(UNICODE_TYPES.has(parameter.typeInfo.type) ? 'utf16le' : 'latin1', range.dataStart, range.end);
  const bytes = valueBytes(payload, range);
  if (bytes === undefined) return undefined;
  return UNICODE_TYPES.has(parameter.typeInfo.type) ? bytes.toString('utf16le') : bytes.toString('latin1');
}

/** An int parameter's value (prepared-statement handles); undefined for NULL or non-int types. */
export function parameterInt(payload: Buffer, parameter: RpcParameter): number | undefined {
  const bytes = valueBytes(payload, parameter.value);
  if (bytes === undefined) return undefined;
  if (bytes.length === 4) return bytes.readInt32LE(0);
  if (bytes.length === 2) return bytes.readInt16LE(0);
  if (bytes.length === 1) return bytes[0]!;
  if (bytes.length === 8) return Number(bytes.readBigInt64LE(0));
  return undefined;
}

/** What the gateway needs to decide a call: the statement text and declarations for the sp_* family. */
export interface RpcSummary {
  readonly procedure: string;
  /** sp_executesql / sp_prepare / sp_prepexec: the SQL text. */
  readonly statement?: string;
  /** The `@p1 int, …` parameter declaration string. */
  readonly declarations?: string;
  /** sp_execute / sp_unprepare: the prepared handle; sp_prepare/sp_prepexec: the handle parameter's index. */
  readonly handle?: number;
  /** Parameters carrying values (never decoded here). */
  readonly valueParameters: readonly RpcParameter[];
}

/**
 * Extracts what is needed to decide a call. Positions follow SQL Server's own signatures:
 * sp_executesql(@stmt, @params, …values), sp_prepare(@handle OUT, @params, @stmt, @options),
 * sp_prepexec(@handle OUT, @params, @stmt, …values), sp_execute(@handle, …values), sp_unprepare(@handle).
 * With the session's `memo` (first call only): a head decoded from it keeps its texts, a new one is remembered.
 */
export function summarizeRpc(payload: Buffer, call: RpcCall, memo?: ExecuteSqlMemo): RpcSummary {
  const procedure = procedureName(call);
  const p = call.parameters;
  switch (procedure) {
    case 'sp_executesql': {
      const head = memo?.headOf(p[0]);
      if (head) return withOptional({ procedure, statement: head.statement, declarations: head.declarations, valueParameters: p.slice(2) });
      const statement = textAt(payload, p, 0);
      const declarations = textAt(payload, p, 1);
      if (memo && statement !== undefined && declarations !== undefined) memo.remember(payload, call, statement, declarations);
      return withOptional({ procedure, statement, declarations, valueParameters: p.slice(2) });
    }
    case 'sp_prepare':
      return withOptional({ procedure, declarations: textAt(payload, p, 1), statement: textAt(payload, p, 2), valueParameters: [] });
    case 'sp_prepexec':
      return withOptional({ procedure, declarations: textAt(payload, p, 1), statement: textAt(payload, p, 2), valueParameters: p.slice(3) });
    case 'sp_execute':
      return withOptional({ procedure, handle: p[0] ? parameterInt(payload, p[0]) : undefined, valueParameters: p.slice(1) });
    case 'sp_unprepare':
      return withOptional({ procedure, handle: p[0] ? parameterInt(payload, p[0]) : undefined, valueParameters: [] });
    default:
      return { procedure, valueParameters: p };
  }
}

/** Parameter `index`'s text, if there is such a parameter (a plain function: this runs per request). */
function textAt(payload: Buffer, parameters: readonly RpcParameter[], index: number): string | undefined {
  const parameter = parameters[index];
  return parameter ? parameterText(payload, parameter) : undefined;
}

function withOptional(summary: { procedure: string; statement?: string | undefined; declarations?: string | undefined; handle?: number | undefined; valueParameters: readonly RpcParameter[] }): RpcSummary {
  const out: { -readonly [K in keyof RpcSummary]: RpcSummary[K] } = { procedure: summary.procedure, valueParameters: summary.valueParameters };
  if (summary.statement !== undefined) out.statement = summary.statement;
  if (summary.declarations !== undefined) out.declarations = summary.declarations;
  if (summary.handle !== undefined) out.handle = summary.handle;
  return out;
}

export interface RpcParameterInput {
  readonly name: string;
  readonly status?: number;
  readonly typeInfo: TypeInfo;
  readonly value: TdsValue;
}

export interface RpcCallInput {
  readonly procId?: number;
  readonly procName?: string;
  readonly optionFlags?: number;
  readonly parameters: readonly RpcParameterInput[];
}

/** Encodes an RPC request payload (several calls are separated by 0xFF). */
export function encodeRpc(calls: readonly RpcCallInput[], transactionDescriptor?: Buffer): Buffer {
  const w = new TdsWriter();
  calls.forEach((call, i) => {
    if (i > 0) w.uint8(BATCH_FLAG);
    if (call.procId !== undefined) w.uint16(0xffff).uint16(call.procId);
    else w.usVarchar(call.procName ?? '');
    w.uint16(call.optionFlags ?? 0);
    for (const p of call.parameters) {
      w.bVarchar(p.name).uint8(p.status ?? 0);
      writeTypeInfo(w, p.typeInfo);
      writeValue(w, p.typeInfo, p.value, 'param');
    }
  });
  return Buffer.concat([encodeAllHeaders(transactionDescriptor ? { transactionDescriptor } : {}), w.take()]);
}
