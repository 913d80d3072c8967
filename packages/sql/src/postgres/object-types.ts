import type { ObjectKind } from '@gatehouse/core';
import type { PgNode } from './ast.js';
import { asList, asNode, asString, stringList, unwrap } from './ast.js';
import type { Names } from './names.js';

const WORDS: Readonly<Record<string, string>> = {
  MATVIEW: 'MATERIALIZED VIEW',
  FOREIGN_SERVER: 'SERVER',
  FDW: 'FOREIGN DATA WRAPPER',
  STATISTIC_EXT: 'STATISTICS',
  TSCONFIGURATION: 'TEXT SEARCH CONFIGURATION',
  TSDICTIONARY: 'TEXT SEARCH DICTIONARY',
  TSPARSER: 'TEXT SEARCH PARSER',
  TSTEMPLATE: 'TEXT SEARCH TEMPLATE',
  OPCLASS: 'OPERATOR CLASS',
  OPFAMILY: 'OPERATOR FAMILY',
  TABCONSTRAINT: 'CONSTRAINT',
  DOMCONSTRAINT: 'CONSTRAINT',
  LARGEOBJECT: 'LARGE OBJECT',
  DEFACL: 'DEFAULT PRIVILEGES',
  AMOP: 'OPERATOR',
  AMPROC: 'FUNCTION',
  USER_MAPPING: 'USER MAPPING',
  PUBLICATION_NAMESPACE: 'PUBLICATION',
  PUBLICATION_REL: 'PUBLICATION',
  SUBSCRIPTION: 'SUBSCRIPTION',
};

/** `OBJECT_MATVIEW` → `MATERIALIZED VIEW`: the words that follow CREATE/ALTER/DROP. */
export function objectTypeWords(objectType: unknown): string {
  const raw = (asString(objectType) ?? 'OBJECT_UNKNOWN').replace(/^OBJECT_/, '');
  return WORDS[raw] ?? raw.replaceAll('_', ' ');
}

const KINDS: Readonly<Record<string, ObjectKind>> = {
  OBJECT_TABLE: 'table',
  OBJECT_FOREIGN_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'view',
  OBJECT_INDEX: 'index',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_SCHEMA: 'schema',
  OBJECT_FUNCTION: 'function',
  OBJECT_AGGREGATE: 'function',
  OBJECT_ROUTINE: 'function',
  OBJECT_PROCEDURE: 'procedure',
  OBJECT_DATABASE: 'database',
  OBJECT_ROLE: 'role',
  OBJECT_COLUMN: 'column',
};

export function objectKind(objectType: unknown): ObjectKind {
  return KINDS[asString(objectType) ?? ''] ?? 'other';
}

/** Objects named by a table plus a member name (DROP TRIGGER trg ON t). */
const TABLE_MEMBERS = new Set(['OBJECT_TRIGGER', 'OBJECT_POLICY', 'OBJECT_RULE', 'OBJECT_TABCONSTRAINT']);
/** Objects that live outside any schema. */
const GLOBAL = new Set([
  'OBJECT_DATABASE',
  'OBJECT_ROLE',
  'OBJECT_EXTENSION',
  'OBJECT_LANGUAGE',
  'OBJECT_FOREIGN_SERVER',
  'OBJECT_FDW',
  'OBJECT_EVENT_TRIGGER',
  'OBJECT_PUBLICATION',
  'OBJECT_SUBSCRIPTION',
  'OBJECT_ACCESS_METHOD',
  'OBJECT_TABLESPACE',
]);

/** The dotted name of an object as DROP/GRANT/COMMENT/ALTER … OWNER give it. */
export function objectName(objectType: unknown, node: unknown, names: Names): string {
  const type = asString(objectType) ?? '';
  const unwrapped = unwrap(node);
  if (!unwrapped) return '?';
  const [nodeType, body] = unwrapped;
  switch (nodeType) {
    case 'RangeVar':
      return names.relation(body);
    case 'String': {
      const name = asString(body['sval']) ?? '?';
      if (type === 'OBJECT_SCHEMA') return names.schemaName(name);
      return GLOBAL.has(type) ? name : names.parts([name]);
    }
    case 'List': {
      const parts = stringList(body['items']);
      if (TABLE_MEMBERS.has(type)) return `${names.parts(parts.slice(0, -1))}.${parts.at(-1) ?? '?'}`;
      return GLOBAL.has(type) ? parts.join('.') : names.parts(parts);
    }
    case 'ObjectWithArgs':
      return names.parts(stringList(body['objname']));
    case 'TypeName':
      return names.parts(stringList(body['names']));
    default:
      return '?';
  }
}

export function roleName(spec: unknown): string {
  const node: PgNode | undefined = asNode(asNode(spec)?.['RoleSpec']) ?? asNode(spec);
  const name = asString(node?.['rolename']);
  if (name !== undefined) return name;
  const type = asString(node?.['roletype']) ?? '';
  return type.replace(/^ROLESPEC_/, '').toLowerCase() || '?';
}

export function roleNames(list: unknown): string[] {
  return asList(list).map((spec) => roleName(spec));
}
