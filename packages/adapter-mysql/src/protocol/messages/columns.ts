import { PayloadCursor } from '../cursor.js';
import { PayloadWriter } from '../writer.js';

/** ColumnDefinition41: one column of a result set (or parameter of a prepared statement). */
export interface ColumnDefinition {
  readonly catalog: string;
  readonly schema: string;
  /** The table alias the client sees. */
  readonly table: string;
  /** The table the column really comes from (empty for expressions). */
  readonly orgTable: string;
  /** The name the client sees (alias). */
  readonly name: string;
  /** The column's name in `orgTable` (empty for expressions). */
  readonly orgName: string;
  readonly characterSet: number;
  /** Maximum length in bytes (display width for numbers). */
  readonly columnLength: number;
  readonly type: number;
  readonly flags: number;
  readonly decimals: number;
}

export function decodeColumnDefinition(payload: Buffer): ColumnDefinition {
  const c = new PayloadCursor(payload, 'ColumnDefinition41');
  const catalog = c.lenencString('catalog');
  const schema = c.lenencString('schema');
  const table = c.lenencString('table');
  const orgTable = c.lenencString('org_table');
  const name = c.lenencString('name');
  const orgName = c.lenencString('org_name');
  const fixedLength = c.lenencInt('length of fixed fields');
  if (fixedLength < 12) c.fail(`fixed fields are ${fixedLength} bytes; expected at least 12`);
  const characterSet = c.int2('character set');
  const columnLength = c.int4('column length');
  const type = c.int1('type');
  const flags = c.int2('flags');
  const decimals = c.int1('decimals');
  // The rest (filler, and a default value after COM_FIELD_LIST) does not matter to the gateway.
  return { catalog, schema, table, orgTable, name, orgName, characterSet, columnLength, type, flags, decimals };
}

export function encodeColumnDefinition(column: ColumnDefinition, sequenceId: number): Buffer {
  return new PayloadWriter()
    .lenencString(column.catalog)
    .lenencString(column.schema)
    .lenencString(column.table)
    .lenencString(column.orgTable)
    .lenencString(column.name)
    .lenencString(column.orgName)
    .lenencInt(0x0c)
    .int2(column.characterSet)
    .int4(column.columnLength)
    .int1(column.type)
    .int2(column.flags)
    .int1(column.decimals)
    .zeros(2)
    .packet(sequenceId);
}

/** The column count that starts a result set (a length-encoded integer, alone in its packet). */
export function decodeColumnCount(payload: Buffer): number {
  const c = new PayloadCursor(payload, 'column count');
  const count = c.lenencInt('column count');
  // MySQL 8 with CLIENT_OPTIONAL_RESULTSET_METADATA adds a byte; the gateway never negotiates it.
  c.end();
  if (count === 0) c.fail('a result set cannot have 0 columns');
  return count;
}

export function encodeColumnCount(count: number, sequenceId: number): Buffer {
  return new PayloadWriter().lenencInt(count).packet(sequenceId);
}
