import type { RowFilterValue } from '@gatehouse/core';
import { describeInput } from '@gatehouse/yaml-config';

/**
 * The `filter:` predicate language, read once: validation reports every problem through `report`,
 * compilation reads the same tree from a document validation already accepted. One reader, so the
 * loader can never accept a document the compiler reads differently.
 *
 *   { col: value }                 equality; several keys in one map are AND
 *   { col: { in: [a, b] } }        membership; also { in: "${principal.tenants}" }
 *   { col: { not: value } }        inequality; also { not: { in: … } }
 *   { not: {…} } { and: [{…}, …] } { or: [{…}, …] }
 * A value is a literal (text, number, true/false, null) or exactly one `${principal.<name>}`.
 */

/** Where a value comes from: written in policy, or read from the principal at decide time. */
export type ValueSource =
  | { readonly kind: 'literal'; readonly value: RowFilterValue }
  | { readonly kind: 'principal'; readonly name: string };

export type PredicateTemplate =
  | { readonly kind: 'eq'; readonly column: string; readonly value: ValueSource }
  | { readonly kind: 'in'; readonly column: string; readonly values: readonly RowFilterValue[] | ValueSource }
  | { readonly kind: 'not'; readonly predicate: PredicateTemplate }
  | { readonly kind: 'and' | 'or'; readonly predicates: readonly PredicateTemplate[] };

/** A problem at a path below the predicate; `at: 'key'` points at the key rather than its value. */
export type ReportProblem = (path: readonly PropertyKey[], message: string, at?: 'key') => void;

/** Principal fields a filter can read besides its attributes. Token attributes may not use these names. */
export const BUILT_IN_REFERENCES = ['id', 'groups', 'kind'] as const;

export const MAX_PREDICATE_DEPTH = 16;
export const MAX_IN_LITERALS = 1000;
const MAX_COLUMN_LENGTH = 128;

/** Letters, digits, `_` and `$`, not starting with a digit or `$`; dots reach nested MongoDB fields. */
const COLUMN = /^[\p{L}_][\p{L}\p{N}_$]*(?:\.[\p{L}_][\p{L}\p{N}_$]*)*$/u;
const REFERENCE = /^\$\{principal\.([A-Za-z_][A-Za-z0-9_-]{0,63})\}$/;
const ANY_REFERENCE = /\$\{principal\.[^}]*\}/;
const REFERENCE_HELP = 'write the whole value as one "${principal.<attribute>}" (or ${principal.id}), or "$${" for a literal "${"';

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads a predicate document; returns undefined (after reporting) when it is malformed. */
export function readPredicate(document: unknown, report: ReportProblem, path: readonly PropertyKey[] = [], depth = 0): PredicateTemplate | undefined {
  if (depth > MAX_PREDICATE_DEPTH) {
    report(path, `row filter nests deeper than ${MAX_PREDICATE_DEPTH} levels; simplify it`);
    return undefined;
  }
  if (!isMap(document)) {
    report(path, `row filter must be a map such as { region: "\${principal.region}" }, not ${describeInput(document)}`);
    return undefined;
  }
  const keys = Object.keys(document);
  if (keys.length === 0) {
    report(path, 'row filter is an empty map, which would filter nothing; name a column, e.g. { region: eu }');
    return undefined;
  }
  const parts: PredicateTemplate[] = [];
  let valid = true;
  for (const key of keys) {
    const part = readEntry(key, document[key], report, [...path, key], depth);
    if (part === undefined) valid = false;
    else parts.push(part);
  }
  if (!valid) return undefined;
  return parts.length === 1 ? parts[0] : { kind: 'and', predicates: parts };
}

function readEntry(key: string, value: unknown, report: ReportProblem, path: readonly PropertyKey[], depth: number): PredicateTemplate | undefined {
  if (key === 'not') {
    const predicate = readPredicate(value, report, path, depth + 1);
    return predicate === undefined ? undefined : { kind: 'not', predicate };
  }
  if (key === 'and' || key === 'or') {
    if (!Array.isArray(value) || value.length === 0) {
      report(path, `"${key}" must be a non-empty list of row filters, not ${Array.isArray(value) ? 'an empty list' : describeInput(value)}`);
      return undefined;
    }
    const predicates = value.map((item, index) => readPredicate(item, report, [...path, index], depth + 1));
    if (predicates.some((predicate) => predicate === undefined)) return undefined;
    return { kind: key, predicates: predicates as PredicateTemplate[] };
  }
  if (!checkColumn(key, report, path)) return undefined;
  return readCondition(key, value, report, path);
}

function checkColumn(column: string, report: ReportProblem, path: readonly PropertyKey[]): boolean {
  if (column.length <= MAX_COLUMN_LENGTH && COLUMN.test(column)) return true;
  report(
    path,
    `"${column.slice(0, MAX_COLUMN_LENGTH)}" is not a column name a filter can use; use letters, digits, "_" and "$" ` +
      '(not first), with dots only for nested MongoDB fields; "and", "or" and "not" are operators',
    'key',
  );
  return false;
}

/** `value`, `{ in: … }`, `{ not: value }` or `{ not: { in: … } }` for one column. */
function readCondition(column: string, value: unknown, report: ReportProblem, path: readonly PropertyKey[]): PredicateTemplate | undefined {
  if (!isMap(value)) {
    const source = readValue(value, report, path);
    return source === undefined ? undefined : { kind: 'eq', column, value: source };
  }
  const keys = Object.keys(value);
  const [operator] = keys;
  if (keys.length !== 1 || (operator !== 'in' && operator !== 'not')) {
    report(path, `a column condition is a value, { in: [...] } or { not: ... }; found ${keys.length === 0 ? 'an empty map' : `keys ${keys.join(', ')}`}`);
    return undefined;
  }
  if (operator === 'in') return readIn(column, value['in'], report, [...path, 'in']);
  const negated = value['not'];
  if (isMap(negated)) {
    const inner = Object.keys(negated);
    if (inner.length !== 1 || inner[0] !== 'in') {
      report([...path, 'not'], 'under a column, "not" takes a value or { in: [...] }');
      return undefined;
    }
    const membership = readIn(column, negated['in'], report, [...path, 'not', 'in']);
    return membership === undefined ? undefined : { kind: 'not', predicate: membership };
  }
  const source = readValue(negated, report, [...path, 'not']);
  return source === undefined ? undefined : { kind: 'not', predicate: { kind: 'eq', column, value: source } };
}

function readIn(column: string, value: unknown, report: ReportProblem, path: readonly PropertyKey[]): PredicateTemplate | undefined {
  if (typeof value === 'string') {
    const source = readValue(value, report, path);
    if (source === undefined) return undefined;
    // A literal text is a one-element list, the same way a scalar attribute is at decide time.
    return { kind: 'in', column, values: source.kind === 'literal' ? [source.value] : source };
  }
  if (!Array.isArray(value)) {
    report(path, `"in" takes a list of values or one "\${principal.<attribute>}", not ${describeInput(value)}`);
    return undefined;
  }
  if (value.length > MAX_IN_LITERALS) {
    report(path, `"in" lists ${value.length} values; at most ${MAX_IN_LITERALS} are allowed (use an attribute or a lookup table)`);
    return undefined;
  }
  const values: RowFilterValue[] = [];
  let valid = true;
  value.forEach((item, index) => {
    const source = readValue(item, report, [...path, index]);
    if (source === undefined) valid = false;
    else if (source.kind === 'principal') {
      report([...path, index], 'a "${principal.…}" reference must be the whole "in" value (in: "${principal.tenants}"), not one list item');
      valid = false;
    } else values.push(source.value);
  });
  return valid ? { kind: 'in', column, values } : undefined;
}

function readValue(value: unknown, report: ReportProblem, path: readonly PropertyKey[]): ValueSource | undefined {
  if (value === null || typeof value === 'boolean') return { kind: 'literal', value };
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return { kind: 'literal', value };
    report(path, 'a filter value must be a finite number (not .inf or .nan)');
    return undefined;
  }
  if (typeof value !== 'string') {
    report(path, `a filter value must be text, a number, true/false, null or "\${principal.<attribute>}", not ${describeInput(value)}`);
    return undefined;
  }
  const reference = REFERENCE.exec(value);
  if (reference !== null) return { kind: 'principal', name: reference[1] as string };
  const literal = value.split('$${');
  if (!literal.some((part) => part.includes('${'))) return { kind: 'literal', value: literal.join('${') };
  if (ANY_REFERENCE.test(value)) {
    const whole = /^\$\{principal\.[^}]*\}$/.test(value);
    report(path, whole ? `bad attribute name in "${value}"; names are letters, digits, "_" and "-" (${REFERENCE_HELP})` : `a reference cannot be part of a longer text; ${REFERENCE_HELP}`);
  } else {
    report(path, `filters only understand "\${principal.<attribute>}" references; ${REFERENCE_HELP}`);
  }
  return undefined;
}

/** Every principal name a template reads, for explain and documentation of a rule. */
export function referencedNames(template: PredicateTemplate, into: Set<string> = new Set()): Set<string> {
  switch (template.kind) {
    case 'eq':
      if (template.value.kind === 'principal') into.add(template.value.name);
      break;
    case 'in':
      if (!Array.isArray(template.values)) into.add((template.values as Extract<ValueSource, { kind: 'principal' }>).name);
      break;
    case 'not':
      referencedNames(template.predicate, into);
      break;
    default:
      for (const predicate of template.predicates) referencedNames(predicate, into);
  }
  return into;
}
