import type { Flag } from '@gatehouse/core';
import type { ClassifyContext, StatementClassification } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import type { StatementRange } from '../lexer/statement-ranges.js';
import type { LexResult } from '../lexer/token.js';
import { withBodyPieces } from './body-pieces.js';
import { classifyGrant } from './dcl.js';
import { classifyDdl, classifyRename, classifyTruncate } from './ddl.js';
import { executableViews } from './exec-views.js';
import { classifyAnalyzeStatement, classifyExplain } from './explain.js';
import { mergeViews } from './merge-views.js';
import type { MysqlParser } from './parser.js';
import { classifyQuery, isFileTarget } from './query.js';
import { atLeast, classified } from './result.js';
import { classifySet } from './set.js';
import { MYSQL_SIDE_EFFECT_FUNCTIONS } from './side-effect-functions.js';
import { Statement } from './statement.js';
import {
  classifyAdmin,
  classifyCall,
  classifyDo,
  classifyHandler,
  classifyLoad,
  classifyLock,
  classifyPrepare,
  classifyTableStatement,
  classifyTransaction,
} from './statements.js';

/** Exactly one classification per range. Never throws (the shared classifier also guards). */
export function classifyMysql(
  text: string,
  lexed: LexResult,
  ranges: readonly StatementRange[],
  context: ClassifyContext,
  parser: MysqlParser,
): StatementClassification[] {
  return ranges.map((range) => {
    try {
      return withoutEmptyFunctions(classifyRange(text, lexed, range, context, parser));
    } catch {
      return unknownStatement('parse-error');
    }
  });
}

/**
 * No `functions` key when no function was called, as the other dialects report it: their actions
 * then share one object layout, which keeps the policy engine's property reads monomorphic.
 */
function withoutEmptyFunctions(c: StatementClassification): StatementClassification {
  if (c.functions === undefined || c.functions.length > 0) return c;
  return c.lineage === undefined
    ? { category: c.category, operation: c.operation, objects: c.objects, flags: c.flags }
    : { category: c.category, operation: c.operation, objects: c.objects, flags: c.flags, lineage: c.lineage };
}

function classifyRange(
  text: string,
  lexed: LexResult,
  range: StatementRange,
  context: ClassifyContext,
  parser: MysqlParser,
): StatementClassification {
  let hasExec = false;
  for (let i = range.firstToken; i < range.endToken && !hasExec; i++) {
    const kind = lexed.tokens[i]!.kind;
    hasExec = kind === 'exec-comment-start' || kind === 'exec-comment-end';
  }
  if (!hasExec) {
    const stmt = Statement.fromRange(text, lexed.tokens, range, context);
    return withBodyPieces(stmt, classifyStatement(stmt, parser), (inner) => classifyStatement(inner, parser));
  }
  const views = executableViews(lexed.tokens, range, text);
  if (!views) return unknownStatement('parse-error');
  const results: StatementClassification[] = [];
  for (const dropped of views) {
    const stmt = Statement.fromRange(text, lexed.tokens, range, context, dropped);
    // A view with nothing left is an empty query to that server: it runs nothing.
    if (stmt.length > 0) results.push(withBodyPieces(stmt, classifyStatement(stmt, parser), (inner) => classifyStatement(inner, parser)));
  }
  return results.length > 0 ? mergeViews(results) : unknownStatement('parse-error');
}

/** One statement: dispatch on its leading keyword, then the lexer's side-effect checks. */
export function classifyStatement(stmt: Statement, parser: MysqlParser): StatementClassification {
  return withLexerChecks(stmt, dispatch(stmt, parser));
}

const QUERY = new Set(['SELECT', 'WITH', 'INSERT', 'REPLACE', 'UPDATE', 'DELETE']);
const TRANSACTION = new Set(['START', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'XA']);
const ADMIN = new Set([
  'KILL',
  'FLUSH',
  'RESET',
  'PURGE',
  'INSTALL',
  'UNINSTALL',
  'SHUTDOWN',
  'RESTART',
  'CHANGE',
  'STOP',
  'CLONE',
  'BINLOG',
  'CACHE',
  'OPTIMIZE',
  'REPAIR',
  'CHECK',
  'CHECKSUM',
]);
/** MariaDB compound statements outside stored programs: their bodies run, unseen here. */
const COMPOUND = new Set(['IF', 'WHILE', 'LOOP', 'REPEAT', 'CASE', 'DECLARE']);

function dispatch(stmt: Statement, parser: MysqlParser): StatementClassification {
  const w0 = stmt.word(0);
  if (QUERY.has(w0) || stmt.isPunct(0, '(')) return classifyQuery(stmt, parser);
  if (w0 === 'START' && (stmt.word(1) === 'SLAVE' || stmt.word(1) === 'REPLICA' || stmt.word(1) === 'GROUP_REPLICATION')) {
    return classifyAdmin(stmt);
  }
  if (TRANSACTION.has(w0)) return classifyTransaction(stmt);
  if (ADMIN.has(w0)) return classifyAdmin(stmt);
  if (COMPOUND.has(w0)) return classified('unknown', w0, [], ['dynamic']);
  switch (w0) {
    case 'CREATE':
    case 'ALTER':
    case 'DROP':
      return classifyDdl(stmt, parser, (inner) => classifyStatement(inner, parser));
    case 'TRUNCATE':
      return classifyTruncate(stmt);
    case 'RENAME':
      return classifyRename(stmt);
    case 'GRANT':
    case 'REVOKE':
      return classifyGrant(stmt);
    case 'SET':
      return classifySet(stmt, parser, (inner) => classifyStatement(inner, parser));
    case 'SHOW':
      // Metadata only; a subquery in SHOW … WHERE would read rows: not supported, fail closed.
      return stmt.findWord('SELECT') >= 0 ? unknownStatement('parse-error') : classified('read', 'SHOW');
    case 'USE': {
      const name = stmt.name(1);
      return name ? classified('session', 'USE', [{ name: name.parts.at(-1)!, kind: 'database', access: 'read' }]) : unknownStatement('parse-error');
    }
    case 'EXPLAIN':
    case 'DESCRIBE':
    case 'DESC':
      return classifyExplain(stmt, (inner) => classifyStatement(inner, parser));
    case 'ANALYZE':
      return stmt.word(1) === 'TABLE' || stmt.word(1) === 'NO_WRITE_TO_BINLOG' || stmt.word(1) === 'LOCAL'
        ? classified('admin', 'ANALYZE TABLE')
        : classifyAnalyzeStatement(stmt, (inner) => classifyStatement(inner, parser), 1);
    case 'LOAD':
      return classifyLoad(stmt);
    case 'PREPARE':
    case 'EXECUTE':
    case 'DEALLOCATE':
      return classifyPrepare(stmt);
    case 'CALL':
      return classifyCall(stmt);
    case 'HANDLER':
      return classifyHandler(stmt);
    case 'LOCK':
    case 'UNLOCK':
      return classifyLock(stmt);
    case 'DO':
      return classifyDo(stmt, parser);
    case 'TABLE':
      return classifyTableStatement(stmt);
    case 'VALUES':
      return stmt.findWord('SELECT') >= 0 ? unknownStatement('parse-error') : classified('read', 'VALUES');
    case 'HELP':
    case 'GET':
    case 'SIGNAL':
    case 'RESIGNAL':
      return classified('session', w0 === 'GET' ? 'GET DIAGNOSTICS' : w0);
    case 'IMPORT':
      return classified('ddl', 'IMPORT TABLE', [], ['file-access']);
    default:
      return unknownStatement('parse-error');
  }
}

/**
 * Checks made on the lexer's tokens whatever the parser said: any call of a side-effect function
 * (a name followed by `(`) raises the category and adds flags; INFILE/OUTFILE/DUMPFILE anywhere
 * means file access (DUMPFILE only after INTO).
 */
function withLexerChecks(stmt: Statement, result: StatementClassification): StatementClassification {
  let category = result.category;
  const flags = new Set<Flag>(result.flags);
  const functions = new Set(result.functions ?? []);
  const before = flags.size;
  for (let i = 0; i < stmt.length; i++) {
    const token = stmt.tokens[i]!;
    if (token.kind === 'word' && (stmt.word(i) === 'INFILE' || isFileTarget(stmt, i))) flags.add('file-access');
    if ((token.kind !== 'word' && token.kind !== 'quoted-ident') || !stmt.isPunct(i + 1, '(')) continue;
    const name = (token.value ?? '').toUpperCase();
    const effect = MYSQL_SIDE_EFFECT_FUNCTIONS.get(name);
    if (!effect) continue;
    functions.add(name);
    flags.add('side-effect-function');
    if (effect.fileAccess) flags.add('file-access');
    if (effect.securitySetting) flags.add('security-setting');
    category = atLeast(category, effect.category);
  }
  if (flags.size === before && category === result.category) return result;
  return { ...result, category, flags: [...flags], functions: [...functions] };
}

