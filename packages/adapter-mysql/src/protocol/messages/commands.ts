import { Command } from '../constants.js';
import { PayloadCursor } from '../cursor.js';
import { PayloadWriter } from '../writer.js';

/** COM_QUERY: the SQL text (the gateway never negotiates CLIENT_QUERY_ATTRIBUTES, so nothing precedes it). */
export function decodeQuery(payload: Buffer): string {
  const c = new PayloadCursor(payload, 'COM_QUERY', true);
  c.skip(1, 'command');
  return c.restString('query');
}

export function encodeQuery(sql: string): Buffer {
  return new PayloadWriter().int1(Command.QUERY).string(sql).packet(0);
}

/** COM_INIT_DB / COM_STMT_PREPARE / COM_FIELD_LIST's table: text after the command byte. */
export function decodeCommandText(payload: Buffer, what: string): string {
  const c = new PayloadCursor(payload, what, true);
  c.skip(1, 'command');
  return c.restString(what);
}

export function encodeCommandText(command: number, text: string): Buffer {
  return new PayloadWriter().int1(command).string(text).packet(0);
}

/** COM_FIELD_LIST: a NUL-terminated table name, then a wildcard. */
export function decodeFieldList(payload: Buffer): { table: string; wildcard: string } {
  const c = new PayloadCursor(payload, 'COM_FIELD_LIST', true);
  c.skip(1, 'command');
  const table = c.nulString('table');
  return { table, wildcard: c.restString('wildcard') };
}

/** The 4-byte id that follows the command byte (COM_STMT_*, COM_PROCESS_KILL). */
export function decodeCommandId(payload: Buffer, what: string): number {
  const c = new PayloadCursor(payload, what);
  c.skip(1, 'command');
  return c.int4('id');
}

export function encodeCommandId(command: number, id: number, rest: Uint8Array = Buffer.alloc(0)): Buffer {
  return new PayloadWriter().int1(command).int4(id).bytes(rest).packet(0);
}

/** COM_STMT_EXECUTE's fixed head: statement id and cursor flags (the parameters are forwarded unread). */
export function decodeStmtExecuteHead(payload: Buffer): { statementId: number; flags: number } {
  const c = new PayloadCursor(payload, 'COM_STMT_EXECUTE');
  c.skip(1, 'command');
  const statementId = c.int4('statement id');
  const flags = c.int1('flags');
  c.int4('iteration count');
  return { statementId, flags };
}

/** COM_SET_OPTION: 0 = multi-statements on, 1 = off. */
export function decodeSetOption(payload: Buffer): number {
  const c = new PayloadCursor(payload, 'COM_SET_OPTION');
  c.skip(1, 'command');
  const option = c.int2('option');
  c.end();
  return option;
}

/** COM_STMT_PREPARE_OK. */
export interface StmtPrepareOk {
  readonly statementId: number;
  readonly columnCount: number;
  readonly paramCount: number;
  readonly warnings: number;
}

export function decodeStmtPrepareOk(payload: Buffer): StmtPrepareOk {
  const c = new PayloadCursor(payload, 'COM_STMT_PREPARE_OK');
  if (c.int1('status') !== 0) c.fail('status is not 0x00');
  const statementId = c.int4('statement id');
  const columnCount = c.int2('column count');
  const paramCount = c.int2('parameter count');
  c.skip(1, 'filler');
  const warnings = c.remaining >= 2 ? c.int2('warnings') : 0;
  return { statementId, columnCount, paramCount, warnings };
}

export function encodeStmtPrepareOk(ok: StmtPrepareOk, sequenceId: number): Buffer {
  return new PayloadWriter().int1(0).int4(ok.statementId).int2(ok.columnCount).int2(ok.paramCount).int1(0).int2(ok.warnings).packet(sequenceId);
}

/** The LOCAL INFILE request (0xfb + file name). */
export function decodeLocalInfileRequest(payload: Buffer): string {
  const c = new PayloadCursor(payload, 'LOCAL INFILE request');
  c.skip(1, 'header');
  return c.restString('file name');
}
