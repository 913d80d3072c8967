import type { PgNode } from './ast.js';
import { asList, asNode, asString } from './ast.js';
import { Scope } from './scope.js';
import type { StatementContext } from './statement-context.js';
import type { StatementHandler } from './statement-helpers.js';
import { defineRelation, setting } from './statement-helpers.js';

/**
 * Server administration: ALTER SYSTEM, maintenance (VACUUM, ANALYZE, REINDEX, CLUSTER, CHECKPOINT),
 * LOAD, and extensions, foreign servers, tablespaces and replication, which load code, open
 * connections or touch the server's files.
 */
export const ADMIN_HANDLERS: Readonly<Record<string, StatementHandler>> = {
  AlterSystemStmt: (body, ctx) => {
    const setStmt = asNode(body['setstmt']);
    setting(setStmt, ctx, 'admin');
    // RESET ALL puts every logging and audit setting back as well.
    if (asString(setStmt?.['kind']) === 'VAR_RESET_ALL') ctx.analysis.flags.add('security-setting');
    return { category: 'admin', operation: 'ALTER SYSTEM' };
  },
  LoadStmt: (_body, ctx) => {
    ctx.analysis.flags.add('file-access');
    return { category: 'admin', operation: 'LOAD' };
  },
  CheckPointStmt: () => ({ category: 'admin', operation: 'CHECKPOINT' }),
  VacuumStmt: (body, ctx) => {
    for (const rel of asList(body['rels'])) {
      const relation = asNode(asNode(rel['VacuumRelation'])?.['relation']);
      if (relation) ctx.analysis.object('define', 'table', ctx.names.relation(relation));
    }
    return { category: 'admin', operation: body['is_vacuumcmd'] === true ? 'VACUUM' : 'ANALYZE' };
  },
  ReindexStmt: (body, ctx) => {
    const kind = body['kind'] === 'REINDEX_OBJECT_INDEX' ? 'index' : 'table';
    if (body['relation']) defineRelation(ctx, body['relation'], kind);
    return { category: 'admin', operation: 'REINDEX' };
  },
  ClusterStmt: (body, ctx) => {
    if (body['relation']) defineRelation(ctx, body['relation'], 'table');
    return { category: 'admin', operation: 'CLUSTER' };
  },
  // Extensions, foreign servers and wrappers load code or open connections: server administration.
  CreateExtensionStmt: (body, ctx) => {
    ctx.analysis.object('define', 'other', asString(body['extname']) ?? '?');
    return { category: 'admin', operation: 'CREATE EXTENSION' };
  },
  AlterExtensionStmt: () => ({ category: 'admin', operation: 'ALTER EXTENSION' }),
  AlterExtensionContentsStmt: () => ({ category: 'admin', operation: 'ALTER EXTENSION' }),
  CreateForeignServerStmt: (body, ctx) => {
    ctx.analysis.object('define', 'other', asString(body['servername']) ?? '?');
    return { category: 'admin', operation: 'CREATE SERVER' };
  },
  AlterForeignServerStmt: () => ({ category: 'admin', operation: 'ALTER SERVER' }),
  CreateFdwStmt: () => ({ category: 'admin', operation: 'CREATE FOREIGN DATA WRAPPER' }),
  AlterFdwStmt: () => ({ category: 'admin', operation: 'ALTER FOREIGN DATA WRAPPER' }),
  CreateTableSpaceStmt: (_body, ctx) => {
    ctx.analysis.flags.add('file-access');
    return { category: 'admin', operation: 'CREATE TABLESPACE' };
  },
  DropTableSpaceStmt: () => ({ category: 'admin', operation: 'DROP TABLESPACE' }),
  AlterTableSpaceOptionsStmt: () => ({ category: 'admin', operation: 'ALTER TABLESPACE' }),
  // A publication streams its tables' rows to every subscriber: a read of each table named.
  CreatePublicationStmt: (body, ctx) => {
    publishedTables(body, ctx);
    return { category: 'admin', operation: 'CREATE PUBLICATION' };
  },
  AlterPublicationStmt: (body, ctx) => {
    publishedTables(body, ctx);
    return { category: 'admin', operation: 'ALTER PUBLICATION' };
  },

  CreateSubscriptionStmt: () => ({ category: 'admin', operation: 'CREATE SUBSCRIPTION' }),
  AlterSubscriptionStmt: () => ({ category: 'admin', operation: 'ALTER SUBSCRIPTION' }),
  DropSubscriptionStmt: () => ({ category: 'admin', operation: 'DROP SUBSCRIPTION' }),
};

/** Tables of FOR TABLE / ADD TABLE / SET TABLE, and their row filters' subqueries. */
function publishedTables(body: PgNode, ctx: StatementContext): void {
  for (const item of asList(body['pubobjects'])) {
    const table = asNode(asNode(item['PublicationObjSpec'])?.['pubtable']);
    const relation = asNode(table?.['relation']);
    if (!relation) continue;
    ctx.analysis.object('read', 'table', ctx.names.relation(relation));
    ctx.walker.expr(table?.['whereClause'], new Scope());
  }
}
