import { asList, asNode, asString, stringList, unwrap } from '../postgres/ast.js';
import type { WrittenValue } from './insert-row-check.js';

/**
 * Casts that keep a literal's value as written (`'eu'::text`); anything else is computed. Not here:
 * char/bpchar/"char" (`'eu'::char` is `'e'`, and trailing blanks go), name (cut at 63 bytes), and
 * any cast with a length (`'eu'::varchar(1)` is `'e'`): the stored value would differ from the
 * checked one.
 */
const TRANSPARENT_CASTS = new Set(['text', 'varchar', 'character varying', 'int2', 'int4', 'int8', 'integer', 'bigint', 'smallint', 'bool', 'boolean']);

/** A VALUES item as a WrittenValue: plain literals (optionally cast to a simple type), NULL, $n. */
export function postgresWrittenValue(node: unknown): WrittenValue {
  const unwrapped = unwrap(node);
  if (!unwrapped) return { kind: 'other' };
  const [type, body] = unwrapped;
  if (type === 'ParamRef') return { kind: 'param' };
  if (type === 'TypeCast') {
    const typeNode = asNode(body['typeName']) ?? {};
    const typeName = stringList(typeNode['names']).at(-1) ?? '';
    const plain = asList(typeNode['typmods']).length === 0 && asList(typeNode['arrayBounds']).length === 0;
    return plain && TRANSPARENT_CASTS.has(typeName) ? postgresWrittenValue(body['arg']) : { kind: 'other' };
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
