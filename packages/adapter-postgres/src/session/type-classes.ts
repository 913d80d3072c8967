import type { ValueTypeClass } from '@gatehouse/core';

/** Built-in type OIDs (pg_type.dat) grouped by how a masked value must be represented. */
const CLASSES: ReadonlyMap<number, ValueTypeClass> = new Map<number, ValueTypeClass>([
  [16, 'boolean'],
  [17, 'binary'],
  [18, 'text'], // "char"
  [19, 'text'], // name
  [20, 'number'],
  [21, 'number'],
  [23, 'number'],
  [25, 'text'],
  [26, 'number'], // oid
  [114, 'json'],
  [142, 'text'], // xml
  [700, 'number'],
  [701, 'number'],
  [790, 'number'], // money
  [869, 'text'], // inet
  [650, 'text'], // cidr
  [829, 'text'], // macaddr
  [1042, 'text'], // bpchar
  [1043, 'text'], // varchar
  [1082, 'date'],
  [1083, 'date'], // time
  [1114, 'date'],
  [1184, 'date'],
  [1186, 'other'], // interval
  [1266, 'date'], // timetz
  [1700, 'number'],
  [2950, 'uuid'],
  [3802, 'json'], // jsonb
  [705, 'text'], // unknown (string literals)
]);

/** Types whose binary wire format is their UTF-8 text, so binary values can be masked as text. */
const BINARY_IS_TEXT = new Set([18, 19, 25, 142, 705, 1042, 1043, 114]);
/** jsonb's binary format is a version byte (1) followed by the JSON text. */
export const JSONB_OID = 3802;

export function typeClassOf(typeOid: number): ValueTypeClass {
  // Unknown OIDs (arrays, enums, domains, extension types) are shown as text in text format, so
  // content detectors still run on them; in binary format they become NULL when masked.
  return CLASSES.get(typeOid) ?? 'text';
}

export function binaryIsText(typeOid: number): boolean {
  return BINARY_IS_TEXT.has(typeOid);
}

/** Declared character length from a type modifier (varchar(n), bpchar(n)), when there is one. */
export function maxLengthOf(typeOid: number, typeModifier: number): number | undefined {
  if ((typeOid === 1043 || typeOid === 1042) && typeModifier > 4) return typeModifier - 4;
  return undefined;
}
