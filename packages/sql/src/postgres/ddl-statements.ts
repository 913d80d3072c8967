import { asList, asNode, asString, stringList } from './ast.js';
import { objectKind, objectTypeWords, roleName } from './object-types.js';
import { Scope } from './scope.js';
import { alterTableReferences, createTableReferences } from './table-references.js';
import type { StatementHandler } from './statement-helpers.js';
import { define, defineRelation, RELATION_KINDS, setting } from './statement-helpers.js';

/** ALTER TABLE subcommands that switch off row security or (audit) triggers. */
const SECURITY_SUBCOMMANDS = new Set([
  'AT_DisableRowSecurity',
  'AT_NoForceRowSecurity',
  'AT_DisableTrig',
  'AT_DisableTrigAll',
  'AT_DisableTrigUser',
  'AT_DisableRule',
]);

const TABLE_MEMBER_TYPES = new Set(['OBJECT_COLUMN', 'OBJECT_TABCONSTRAINT', 'OBJECT_ATTRIBUTE']);

/** CREATE/ALTER/DROP/TRUNCATE/COMMENT of schema objects, and REFRESH MATERIALIZED VIEW. */
export const DDL_HANDLERS: Readonly<Record<string, StatementHandler>> = {
  RefreshMatViewStmt: (body, ctx) => {
    ctx.analysis.object('write', 'view', ctx.names.relation(asNode(body['relation']) ?? {}));
    return { category: 'write', operation: 'REFRESH MATERIALIZED VIEW' };
  },
  TruncateStmt: (body, ctx) => {
    for (const relation of asList(body['relations'])) {
      const name = ctx.names.relation(asNode(relation['RangeVar']) ?? {});
      ctx.analysis.object('define', 'table', name);
      ctx.analysis.object('write', 'table', name);
    }
    return { category: 'ddl', operation: 'TRUNCATE' };
  },
  CreateStmt: (body, ctx) => {
    defineRelation(ctx, body['relation'], 'table');
    createTableReferences(body, ctx);
    return { category: 'ddl', operation: 'CREATE TABLE' };
  },
  CreateForeignTableStmt: (body, ctx) => {
    const base = asNode(body['base']) ?? {};
    defineRelation(ctx, base['relation'], 'table');
    createTableReferences(base, ctx);
    return { category: 'ddl', operation: 'CREATE FOREIGN TABLE' };
  },
  ViewStmt: (body, ctx) => {
    defineRelation(ctx, body['view'], 'view');
    ctx.walker.query(body['query']);
    return { category: 'ddl', operation: 'CREATE VIEW' };
  },
  IndexStmt: (body, ctx) => {
    const relation = asNode(body['relation']) ?? {};
    const table = defineRelation(ctx, relation, 'table');
    const index = asString(body['idxname']);
    const schema = table.slice(0, table.lastIndexOf('.'));
    if (index !== undefined) ctx.analysis.object('define', 'index', `${schema}.${index}`);
    // Index expressions and partial-index predicates are evaluated for every row while building.
    ctx.walker.expr([body['indexParams'], body['whereClause']], new Scope());
    return { category: 'ddl', operation: 'CREATE INDEX' };
  },
  // Extended statistics keep the columns' most common values (pg_statistic_ext_data): a read.
  CreateStatsStmt: (body, ctx) => {
    for (const relation of asList(body['relations'])) {
      const range = asNode(relation['RangeVar']);
      if (range) ctx.analysis.object('read', 'table', ctx.names.relation(range));
    }
    return { category: 'ddl', operation: 'CREATE STATISTICS' };
  },
  CreateSeqStmt: (body, ctx) => {
    defineRelation(ctx, body['sequence'], 'sequence');
    return { category: 'ddl', operation: 'CREATE SEQUENCE' };
  },
  AlterSeqStmt: (body, ctx) => {
    defineRelation(ctx, body['sequence'], 'sequence');
    return { category: 'ddl', operation: 'ALTER SEQUENCE' };
  },
  CreateSchemaStmt: (body, ctx) => {
    const schema = asString(body['schemaname']) ?? roleName(body['authrole']);
    ctx.analysis.object('define', 'schema', ctx.names.schemaName(schema));
    return { category: 'ddl', operation: 'CREATE SCHEMA' };
  },
  CreatedbStmt: (body, ctx) => {
    ctx.analysis.object('define', 'database', asString(body['dbname']) ?? '?');
    return { category: 'ddl', operation: 'CREATE DATABASE' };
  },
  DropdbStmt: (body, ctx) => {
    ctx.analysis.object('define', 'database', asString(body['dbname']) ?? '?');
    return { category: 'ddl', operation: 'DROP DATABASE' };
  },
  AlterDatabaseStmt: (body, ctx) => {
    ctx.analysis.object('define', 'database', asString(body['dbname']) ?? '?');
    return { category: 'ddl', operation: 'ALTER DATABASE' };
  },
  AlterDatabaseSetStmt: (body, ctx) => {
    ctx.analysis.object('define', 'database', asString(body['dbname']) ?? '?');
    return { category: setting(asNode(body['setstmt']), ctx, 'ddl'), operation: 'ALTER DATABASE' };
  },
  AlterDatabaseRefreshCollStmt: (body, ctx) => {
    ctx.analysis.object('define', 'database', asString(body['dbname']) ?? '?');
    return { category: 'ddl', operation: 'ALTER DATABASE' };
  },
  DropStmt: (body, ctx) => {
    const type = body['removeType'];
    for (const object of asList(body['objects'])) define(ctx, type, object);
    const operation = `DROP ${objectTypeWords(type)}`;
    if (type === 'OBJECT_POLICY') return { category: 'dcl', operation };
    if (type === 'OBJECT_EXTENSION') return { category: 'admin', operation };
    return { category: 'ddl', operation };
  },
  AlterTableStmt: (body, ctx) => {
    const type = asString(body['objtype']) ?? 'OBJECT_TABLE';
    const relation = defineRelation(ctx, body['relation'], RELATION_KINDS[type] ?? 'table');
    alterTableReferences(relation, body['cmds'], ctx);
    for (const cmd of asList(body['cmds'])) {
      const subtype = asString(asNode(cmd['AlterTableCmd'])?.['subtype']) ?? '';
      if (SECURITY_SUBCOMMANDS.has(subtype)) ctx.analysis.flags.add('security-setting');
    }
    // ALTER … TYPE … USING f(…) and ADD COLUMN … DEFAULT f(…) run f for every existing row now.
    ctx.walker.expr(body['cmds'], new Scope());
    return { category: 'ddl', operation: `ALTER ${objectTypeWords(type)}` };
  },
  RenameStmt: (body, ctx) => {
    const renameType = asString(body['renameType']) ?? '';
    // Renaming a column or constraint alters its table; relationType says which kind of table.
    const member = TABLE_MEMBER_TYPES.has(renameType);
    const type = member ? (asString(body['relationType']) ?? 'OBJECT_TABLE') : renameType;
    if (body['relation']) defineRelation(ctx, body['relation'], RELATION_KINDS[type] ?? 'table');
    else if (body['object']) define(ctx, type, body['object']);
    else if (asString(body['subname']) !== undefined) {
      const name = asString(body['subname'])!;
      ctx.analysis.object('define', objectKind(type), type === 'OBJECT_SCHEMA' ? ctx.names.schemaName(name) : name);
    }
    const operation = `ALTER ${objectTypeWords(type)}`;
    return { category: type === 'OBJECT_ROLE' ? 'dcl' : 'ddl', operation };
  },
  AlterObjectSchemaStmt: (body, ctx) => {
    const type = body['objectType'];
    if (body['relation']) defineRelation(ctx, body['relation'], RELATION_KINDS[asString(type) ?? ''] ?? 'table');
    else define(ctx, type, body['object']);
    return { category: 'ddl', operation: `ALTER ${objectTypeWords(type)}` };
  },
  AlterOwnerStmt: (body, ctx) => {
    const type = body['objectType'];
    if (body['relation']) defineRelation(ctx, body['relation'], RELATION_KINDS[asString(type) ?? ''] ?? 'table');
    else define(ctx, type, body['object']);
    return { category: 'ddl', operation: `ALTER ${objectTypeWords(type)}` };
  },
  AlterFunctionStmt: (body, ctx) => {
    define(ctx, body['objtype'], { ObjectWithArgs: body['func'] });
    return { category: 'ddl', operation: `ALTER ${objectTypeWords(body['objtype'])}` };
  },
  // The body runs later, maybe under the definer's rights. A standard SQL body (RETURN …,
  // BEGIN ATOMIC … END) is a tree: its reads and writes belong to the definition. A body given as
  // a string (AS '…', $$…$$, a C library) is a literal the classification may not depend on (it
  // is cached by fingerprint), so what it runs is not visible: dynamic.
  CreateFunctionStmt: (body, ctx) => {
    const procedure = body['is_procedure'] === true;
    ctx.analysis.object('define', procedure ? 'procedure' : 'function', ctx.names.parts(stringList(body['funcname'])));
    if (body['sql_body'] !== undefined) ctx.walker.expr(body['sql_body'], new Scope());
    else ctx.analysis.flags.add('dynamic');
    return { category: 'ddl', operation: procedure ? 'CREATE PROCEDURE' : 'CREATE FUNCTION' };
  },
  // The trigger runs its function on other sessions' writes, with the function's rights; what the
  // function body touches is not visible here (its language may build SQL): dynamic.
  CreateTrigStmt: (body, ctx) => {
    const table = defineRelation(ctx, body['relation'], 'table');
    ctx.analysis.object('define', 'other', `${table}.${asString(body['trigname']) ?? '?'}`);
    ctx.analysis.object('execute', 'function', ctx.names.parts(stringList(body['funcname'])));
    ctx.analysis.flags.add('dynamic');
    // WHEN (NEW.a > 1) reads the table's columns for every row written.
    const rows = new Scope();
    rows.relations.push({ alias: 'new', table }, { alias: 'old', table });
    ctx.walker.expr(body['whenClause'], rows);
    return { category: 'ddl', operation: 'CREATE TRIGGER' };
  },
  CreateEventTrigStmt: (body, ctx) => {
    ctx.analysis.object('execute', 'function', ctx.names.parts(stringList(body['funcname'])));
    ctx.analysis.flags.add('dynamic');
    return { category: 'ddl', operation: 'CREATE EVENT TRIGGER' };
  },
  // A rule rewrites later statements on its table (ON SELECT … DO INSTEAD …): DDL on the table,
  // and its actions are read like queries.
  RuleStmt: (body, ctx) => {
    const table = defineRelation(ctx, body['relation'], 'table');
    for (const action of asList(body['actions'])) ctx.walker.query(action);
    // The rule's WHERE may hold subqueries; NEW/OLD are rows of its table.
    const rows = new Scope();
    rows.relations.push({ alias: 'new', table }, { alias: 'old', table });
    ctx.walker.expr(body['whereClause'], rows);
    return { category: 'ddl', operation: 'CREATE RULE' };
  },
  // Event triggers run on every DDL; disabling one can switch off DDL auditing.
  AlterEventTrigStmt: (_body, ctx) => {
    ctx.analysis.flags.add('security-setting');
    return { category: 'ddl', operation: 'ALTER EVENT TRIGGER' };
  },
  CommentStmt: (body, ctx) => {
    define(ctx, body['objtype'], body['object']);
    return { category: 'ddl', operation: 'COMMENT ON' };
  },
  ImportForeignSchemaStmt: (body, ctx) => {
    ctx.analysis.object('define', 'schema', ctx.names.schemaName(asString(body['local_schema']) ?? '?'));
    return { category: 'ddl', operation: 'IMPORT FOREIGN SCHEMA' };
  },
};
