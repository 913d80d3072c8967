import type { Token } from '../lexer/token.js';
import { tokenText } from './table-reference-span.js';

/**
 * PostgreSQL functions that run SQL given as text, dump whole tables or schemas by name, or read
 * server files (a table's data file included): what they read is invisible to a text rewrite, so a
 * statement calling one is refused whenever row filters apply. Matched on the function's last name
 * part, lower case (`pg_catalog.ts_stat` too).
 */
export const POSTGRES_UNFILTERABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  'ts_stat',
  'ts_rewrite',
  'query_to_xml',
  'query_to_xmlschema',
  'query_to_xml_and_xmlschema',
  'cursor_to_xml',
  'cursor_to_xmlschema',
  'table_to_xml',
  'table_to_xmlschema',
  'table_to_xml_and_xmlschema',
  'schema_to_xml',
  'schema_to_xmlschema',
  'schema_to_xml_and_xmlschema',
  'database_to_xml',
  'database_to_xmlschema',
  'database_to_xml_and_xmlschema',
  'pg_read_file',
  'pg_read_binary_file',
  'lo_import',
]);

/** dblink(), dblink_exec(), dblink_open() … all run SQL text on a connection the gateway does not see. */
export function isPostgresUnfilterableFunction(name: string): boolean {
  const lower = name.toLowerCase();
  return POSTGRES_UNFILTERABLE_FUNCTIONS.has(lower) || lower.startsWith('dblink');
}

/** Words that, right after CREATE [OR REPLACE/ALTER] and its options, make a routine, trigger or event. */
const ROUTINE_KINDS = new Set(['PROCEDURE', 'PROC', 'FUNCTION', 'TRIGGER', 'EVENT', 'PACKAGE']);
/** Words that make any other object: the scan stops there. */
const OTHER_KINDS = new Set(['TABLE', 'VIEW', 'INDEX', 'DATABASE', 'SCHEMA', 'USER', 'ROLE', 'SEQUENCE', 'SERVER', 'TABLESPACE', 'SYNONYM', 'TYPE', 'LOGIN']);

/**
 * Whether statement tokens [first, end) define or change a stored routine, trigger or event
 * (MySQL/MariaDB and T-SQL: `CREATE [OR REPLACE] [DEFINER = …] PROCEDURE …`, `ALTER FUNCTION …`).
 * Its body runs later with whatever it reads, unfiltered, and may build SQL at run time, so it is
 * refused whenever row filters apply (a body that names no filtered table may still reach one).
 */
export function definesRoutine(text: string, tokens: readonly Token[], first: number, end: number): boolean {
  const head = tokenText(text, tokens[first]).toUpperCase();
  if (head !== 'CREATE' && head !== 'ALTER') return false;
  let seen = 0;
  for (let t = first + 1; t < end && seen < 16; t++) {
    const token = tokens[t]!;
    if (token.kind === 'comment') continue;
    seen++;
    if (token.kind !== 'word') continue;
    const word = tokenText(text, token).toUpperCase();
    if (ROUTINE_KINDS.has(word)) return true;
    if (OTHER_KINDS.has(word)) return false;
  }
  return false;
}
