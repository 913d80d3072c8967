import { asList, asNode, asString, stringList } from './ast.js';
import { Scope } from './scope.js';
import type { StatementHandler } from './statement-helpers.js';
import { setting } from './statement-helpers.js';

const TRANSACTION_OPERATIONS: Readonly<Record<string, string>> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_START: 'START TRANSACTION',
  TRANS_STMT_COMMIT: 'COMMIT',
  TRANS_STMT_ROLLBACK: 'ROLLBACK',
  TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
  TRANS_STMT_RELEASE: 'RELEASE',
  TRANS_STMT_ROLLBACK_TO: 'ROLLBACK',
  TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
  TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};

/** Transactions, session settings, cursors, notifications, locks and procedure calls. */
export const SESSION_HANDLERS: Readonly<Record<string, StatementHandler>> = {
  TransactionStmt: (body) => ({
    category: 'transaction',
    operation: TRANSACTION_OPERATIONS[asString(body['kind']) ?? ''] ?? 'BEGIN',
  }),
  ConstraintsSetStmt: () => ({ category: 'transaction', operation: 'SET CONSTRAINTS' }),
  VariableSetStmt: (body, ctx) => {
    const kind = asString(body['kind']) ?? '';
    const reset = kind === 'VAR_RESET' || kind === 'VAR_RESET_ALL';
    if (asString(body['name']) === 'TRANSACTION') return { category: 'transaction', operation: 'SET TRANSACTION' };
    return { category: setting(body, ctx, 'session'), operation: reset ? 'RESET' : 'SET' };
  },
  VariableShowStmt: () => ({ category: 'session', operation: 'SHOW' }),
  DiscardStmt: () => ({ category: 'session', operation: 'DISCARD' }),
  ListenStmt: () => ({ category: 'session', operation: 'LISTEN' }),
  UnlistenStmt: () => ({ category: 'session', operation: 'UNLISTEN' }),
  // NOTIFY delivers a payload to other sessions at commit: an effect outside this session, like a write.
  NotifyStmt: () => ({ category: 'write', operation: 'NOTIFY' }),
  DeallocateStmt: () => ({ category: 'session', operation: 'DEALLOCATE' }),
  ClosePortalStmt: () => ({ category: 'session', operation: 'CLOSE' }),
  FetchStmt: (body) =>
    body['ismove'] === true ? { category: 'session', operation: 'MOVE' } : { category: 'read', operation: 'FETCH' },
  // LOCK writes no rows, but it blocks writers (and readers, in ACCESS EXCLUSIVE): treat it as a write.
  LockStmt: (body, ctx) => {
    for (const relation of asList(body['relations'])) {
      ctx.analysis.object('write', 'table', ctx.names.relation(asNode(relation['RangeVar']) ?? {}));
    }
    return { category: 'write', operation: 'LOCK TABLE' };
  },
  DoStmt: (_body, ctx) => {
    ctx.analysis.flags.add('dynamic');
    return { category: 'procedure', operation: 'DO' };
  },
  ExecuteStmt: (body, ctx) => {
    ctx.analysis.flags.add('dynamic');
    ctx.walker.expr(body['params'], new Scope());
    return { category: 'unknown', operation: 'EXECUTE' };
  },
  CallStmt: (body, ctx) => {
    const call = asNode(body['funccall']) ?? {};
    ctx.analysis.object('execute', 'procedure', ctx.names.parts(stringList(call['funcname'])));
    ctx.walker.expr(call['args'], new Scope());
    return { category: 'procedure', operation: 'CALL' };
  },
};
