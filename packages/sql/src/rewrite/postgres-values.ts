import { asNode, asString, stringList, unwrap } from '../postgres/ast.js';
import type { WrittenValue } from './insert-row-check.js';

/** Casts that keep a literal's value as written (`'eu'::text`); anything else is computed. */
const TRANSPARENT_CASTS = new Set(['text', 'varchar', 'bpchar', 'char', 'character varying', 'name', 'int2', 'int4', 'int8', 'integer', 'bigint', 'smallint', 'bool', 'boolean']);

/** A VALUES item as a WrittenValue: plain literals (optionally cast to a simple type), NULL, $n. */
export function postgresWrittenValue(node: unknown): WrittenValue {
  const unwrapped = unwrap(node);
  if (!unwrapped) return { kind: 'other' };
  const [type, body] = unwrapped;
  if (type === 'ParamRef') return { kind: 'param' };
  if (type === 'TypeCast') {
    const typeName = stringList(asNode(body['typeName'])?.['names']).at(-1) ?? '';
    return TRANSPARENT_CASTS.has(typeName) ? postgresWrittenValue(body['arg']) : { kind: 'other' };
  }
  if (type !== 'A_Const') return { kind: 'other' };
  if (body['isnull'] === true) return { kind: 'null' };
  const ival = asNode(body['ival']);
  if (ival) return { kind: 'number', text: String(typeof ival['ival'] === 'number' ? ival['ival'] : 0) };
  const fval = asString(asNode(body['fval'])?.['fval']);
  if (fval !== undefined) return { kind: 'number', text: fval };
  const sval = asNode(body['sval']);
  if (sval) return { kind: 'string', value: asString(sval['sval']) ?? '' };
  const boolval = asNode(body['boolval']);
  if (boolval) return { kind: 'boolean', value: boolval['boolval'] === true };
  return { kind: 'other' };
}
