import type { Flag, ObjectAccess } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import { Analysis } from './analysis.js';
import type { PgNode } from './ast.js';
import { asList, asNode, asString, stringList, unwrap } from './ast.js';
import { toLineage } from './lineage.js';
import type { Names } from './names.js';
import { objectTypeWords } from './object-types.js';
import { QueryWalker } from './query-walker.js';
import type { OutputColumn } from './scope.js';
import type { Outcome, StatementContext } from './statement-context.js';
import { ADMIN_HANDLERS } from './admin-statements.js';
import { DCL_HANDLERS } from './dcl-statements.js';
import { DDL_HANDLERS } from './ddl-statements.js';
import { SESSION_HANDLERS } from './session-statements.js';

/**
 * One parsed statement → its classification. Statements the handlers do not know are DDL when
 * the tree says CREATE/ALTER/DROP (operation from the lexer's words), else unknown.
 */
export function classifyStatement(stmt: unknown, names: Names, words: readonly string[]): StatementClassification {
  const unwrapped = unwrap(stmt);
  if (!unwrapped) return unknownStatement('parse-error');
  const [type, body] = unwrapped;
  if (type === 'ExplainStmt') return explain(body, names, words);
  if (type === 'PrepareStmt') return prepare(body, names, words);
  const analysis = new Analysis();
  const ctx: StatementContext = { analysis, walker: new QueryWalker(analysis, names), names, words };
  const handler = HANDLERS[type];
  const outcome = handler ? handler(body, ctx) : fallback(type, body, words);
  if (outcome.category === 'unknown' && !handler) return unknownStatement('parse-error');
  return finish(analysis, outcome);
}

function finish(analysis: Analysis, outcome: Outcome): StatementClassification {
  const functions = [...analysis.functions];
  const lineage = outcome.outputs && outcome.outputs.length > 0 ? toLineage(outcome.outputs) : undefined;
  return {
    category: analysis.finalCategory(outcome.category),
    operation: outcome.operation,
    objects: analysis.objectRefs(),
    flags: [...analysis.flags],
    ...(lineage ? { lineage } : {}),
    ...(functions.length > 0 ? { functions } : {}),
  };
}

type Handler = (body: PgNode, ctx: StatementContext) => Outcome;

const QUERY_HANDLERS: Readonly<Record<string, Handler>> = {
  SelectStmt: (body, ctx) => {
    const outputs = ctx.walker.select(body);
    const into = asNode(body['intoClause']);
    if (!into) return { category: 'read', operation: 'SELECT', outputs };
    // SELECT … INTO creates a table and fills it.
    const table = ctx.names.relation(asNode(into['rel']) ?? {});
    ctx.analysis.object('define', 'table', table);
    ctx.analysis.object('write', 'table', table);
    return { category: 'ddl', operation: 'SELECT INTO' };
  },
  InsertStmt: (body, ctx) => ({ category: 'write', operation: 'INSERT', outputs: ctx.walker.insert(body) }),
  UpdateStmt: (body, ctx) => ({ category: 'write', operation: 'UPDATE', outputs: ctx.walker.update(body) }),
  DeleteStmt: (body, ctx) => ({ category: 'write', operation: 'DELETE', outputs: ctx.walker.delete(body) }),
  MergeStmt: (body, ctx) => ({ category: 'write', operation: 'MERGE', outputs: ctx.walker.merge(body) }),
  CreateTableAsStmt: (body, ctx) => {
    ctx.walker.query(body['query']);
    const into = asNode(body['into']) ?? {};
    const name = ctx.names.relation(asNode(into['rel']) ?? {});
    if (body['objtype'] === 'OBJECT_MATVIEW') {
      ctx.analysis.object('define', 'view', name);
      return { category: 'ddl', operation: 'CREATE MATERIALIZED VIEW' };
    }
    ctx.analysis.object('define', 'table', name);
    if (into['skipData'] !== true) ctx.analysis.object('write', 'table', name);
    return { category: 'ddl', operation: 'CREATE TABLE AS' };
  },
  // The cursor's rows come back through FETCH; the query is what reads (and may write).
  DeclareCursorStmt: (body, ctx) => ({
    category: 'read',
    operation: 'DECLARE CURSOR',
    outputs: ctx.walker.query(body['query']),
  }),
  CopyStmt: copy,
};

const HANDLERS: Readonly<Record<string, Handler>> = {
  ...QUERY_HANDLERS,
  ...SESSION_HANDLERS,
  ...DDL_HANDLERS,
  ...DCL_HANDLERS,
  ...ADMIN_HANDLERS,
};

/**
 * COPY with STDIN/STDOUT moves rows through the client: FROM writes the table, TO reads it.
 * A server file makes it file access (still a write: the table or the file is written); a
 * PROGRAM runs a shell command as the server's OS user: admin.
 */
function copy(body: PgNode, ctx: StatementContext): Outcome {
  const from = body['is_from'] === true;
  const columns = stringList(body['attlist']);
  let outputs: OutputColumn[] = [];
  const relation = asNode(body['relation']);
  if (relation) {
    const table = ctx.names.relation(relation);
    ctx.analysis.object(from ? 'write' : 'read', 'table', table, columns.length > 0 ? columns : ['*']);
    outputs =
      columns.length > 0
        ? columns.map((name) => ({ name, sources: [`${table}.${name}`], direct: true }))
        : [{ name: '*', sources: [`${table}.*`], direct: true, star: true }];
  } else {
    outputs = ctx.walker.query(body['query']);
  }
  // COPY t FROM … WHERE: the filter names columns of t.
  ctx.walker.expr(body['whereClause'], ctx.walker.scopeFor(relation));
  const external = asString(body['filename']) !== undefined;
  if (!external) {
    return from ? { category: 'write', operation: 'COPY' } : { category: 'read', operation: 'COPY', outputs };
  }
  ctx.analysis.flags.add('file-access');
  const fileAccess: ObjectAccess = from ? 'read' : 'write';
  if (body['is_program'] === true) {
    // The command line is a literal: the object is named `?`.
    ctx.analysis.object('execute', 'other', '?');
    return { category: 'admin', operation: 'COPY' };
  }
  ctx.analysis.object(fileAccess, 'file', '?');
  return { category: 'write', operation: 'COPY' };
}

/**
 * EXPLAIN without ANALYZE only plans: a read of the inner statement's objects. EXPLAIN ANALYZE
 * runs the statement, so it is classified as the statement itself (operation included: an
 * EXPLAIN ANALYZE DELETE is a DELETE to policy).
 */
function explain(body: PgNode, names: Names, words: readonly string[]): StatementClassification {
  const inner = classifyStatement(body['query'], names, words.slice(1));
  if (analyzes(body['options'])) return inner;
  if (inner.flags.includes('parse-error')) return inner;
  const readOnly = new Map<string, StatementClassification['objects'][number]>();
  for (const object of inner.objects) {
    const key = `${object.kind} ${object.name}`;
    const previous = readOnly.get(key);
    const columns = [...new Set([...(previous?.columns ?? []), ...(object.columns ?? [])])];
    readOnly.set(
      key,
      columns.length > 0
        ? { name: object.name, kind: object.kind, access: 'read', columns }
        : { name: object.name, kind: object.kind, access: 'read' },
    );
  }
  const flags: Flag[] = [];
  return {
    category: 'read',
    operation: 'EXPLAIN',
    objects: [...readOnly.values()],
    flags,
    ...(inner.functions ? { functions: inner.functions } : {}),
  };
}

/**
 * Whether EXPLAIN runs the statement. `ANALYZE <anything>` counts as running it: `ANALYZE 0` and
 * `ANALYZE 1` share a fingerprint (and so a cached classification), so only the absence of
 * ANALYZE can make EXPLAIN a read.
 */
function analyzes(options: unknown): boolean {
  return asList(options).some((option) => asString(asNode(option['DefElem'])?.['defname']) === 'analyze');
}

/**
 * PREPARE name AS <statement>: what EXECUTE will run is the inner statement, so PREPARE carries
 * its category, objects and flags (a prepared DELETE is a write), with operation PREPARE.
 */
function prepare(body: PgNode, names: Names, words: readonly string[]): StatementClassification {
  const as = words.indexOf('AS');
  const inner = classifyStatement(body['query'], names, as >= 0 ? words.slice(as + 1) : []);
  const { lineage: _lineage, ...rest } = inner;
  return inner.category === 'unknown' ? inner : { ...rest, operation: 'PREPARE' };
}

const DDL_PREFIXES = ['Create', 'Alter', 'Drop', 'Define', 'Composite', 'Rule'];

/** Operations of DDL statements without a handler of their own. */
const DDL_OPERATIONS: Readonly<Record<string, string>> = {
  CreateOpClassStmt: 'CREATE OPERATOR CLASS',
  CreateOpFamilyStmt: 'CREATE OPERATOR FAMILY',
  AlterOpFamilyStmt: 'ALTER OPERATOR FAMILY',
  CreatePLangStmt: 'CREATE LANGUAGE',
  CreateAmStmt: 'CREATE ACCESS METHOD',
  AlterStatsStmt: 'ALTER STATISTICS',
  CreateDomainStmt: 'CREATE DOMAIN',
  AlterDomainStmt: 'ALTER DOMAIN',
  CompositeTypeStmt: 'CREATE TYPE',
  CreateEnumStmt: 'CREATE TYPE',
  CreateRangeStmt: 'CREATE TYPE',
  AlterEnumStmt: 'ALTER TYPE',
  AlterTypeStmt: 'ALTER TYPE',
  CreateCastStmt: 'CREATE CAST',
  CreateConversionStmt: 'CREATE CONVERSION',
  CreateTransformStmt: 'CREATE TRANSFORM',
  AlterCollationStmt: 'ALTER COLLATION',
  AlterOperatorStmt: 'ALTER OPERATOR',
  AlterTSDictionaryStmt: 'ALTER TEXT SEARCH DICTIONARY',
  AlterTSConfigurationStmt: 'ALTER TEXT SEARCH CONFIGURATION',
};

/** Modifiers between CREATE and the object type (CREATE OR REPLACE TRUSTED PROCEDURAL LANGUAGE). */
const SKIPPED_WORDS = new Set([
  'OR',
  'REPLACE',
  'TEMP',
  'TEMPORARY',
  'UNLOGGED',
  'GLOBAL',
  'LOCAL',
  'UNIQUE',
  'TRUSTED',
  'PROCEDURAL',
  'DEFAULT',
  'CONSTRAINT',
]);

/** Statements without a handler: DDL (named by a table, DefineStmt's kind or the lexer's words), or unknown. */
function fallback(type: string, body: PgNode, words: readonly string[]): Outcome {
  if (!DDL_PREFIXES.some((prefix) => type.startsWith(prefix))) return { category: 'unknown', operation: 'UNKNOWN' };
  const known = DDL_OPERATIONS[type];
  if (known) return { category: 'ddl', operation: known };
  if (type === 'DefineStmt') return { category: 'ddl', operation: `CREATE ${objectTypeWords(body['kind'])}` };
  const rest = words.slice(1).filter((word) => !SKIPPED_WORDS.has(word));
  return { category: 'ddl', operation: [words[0] ?? '', rest[0] ?? ''].join(' ').trim() };
}
