import type { Category, Flag, ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import { analyzeStatement } from '../nsp/analyze.js';
import type { MysqlParser } from './parser.js';
import type { InnerClassifier } from './result.js';
import { atLeast, classified } from './result.js';
import { SAFE_CHARSETS, isLexingVariable, isSecurityVariable } from './security-variables.js';
import type { Statement } from './statement.js';

const GLOBAL_SCOPES = new Set(['GLOBAL', 'PERSIST', 'PERSIST_ONLY']);
const SESSION_SCOPES = new Set(['SESSION', 'LOCAL']);

/** SET in all its MySQL/MariaDB forms. */
export function classifySet(stmt: Statement, parser: MysqlParser, inner: InnerClassifier): StatementClassification {
  const w1 = stmt.word(1);
  const w2 = stmt.word(2);
  if (w1 === 'ROLE') return classified('session', 'SET ROLE', [], ['privilege-switch']);
  if (w1 === 'DEFAULT' && w2 === 'ROLE') return classified('dcl', 'SET DEFAULT ROLE', [], ['privilege-switch']);
  if (w1 === 'PASSWORD') return classified('dcl', 'SET PASSWORD');
  if (w1 === 'TRANSACTION') return classified('transaction', 'SET TRANSACTION');
  if (GLOBAL_SCOPES.has(w1) && w2 === 'TRANSACTION') return classified('admin', 'SET TRANSACTION');
  if (SESSION_SCOPES.has(w1) && w2 === 'TRANSACTION') return classified('transaction', 'SET TRANSACTION');
  if (w1 === 'NAMES') return charset(stmt, 2, 'SET NAMES');
  if (w1 === 'CHARSET') return charset(stmt, 2, 'SET CHARACTER SET');
  if (w1 === 'CHARACTER' && w2 === 'SET') return charset(stmt, 3, 'SET CHARACTER SET');
  if (w1 === 'STATEMENT') return setStatement(stmt, parser, inner);
  return assignments(stmt, 1, stmt.length, parser);
}

/**
 * SET NAMES x: a multi-byte client charset (gbk, sjis, big5, …) changes which bytes the server
 * reads as quotes and backslashes, so only known-safe charsets written as names pass unflagged
 * (a charset written as a string literal cannot be inspected: see isLexingVariable).
 */
function charset(stmt: Statement, at: number, operation: string): StatementClassification {
  const token = stmt.tokens[at];
  const name = token && (token.kind === 'word' || token.kind === 'quoted-ident') ? token.value : undefined;
  const safe = name !== undefined && SAFE_CHARSETS.has(name.toLowerCase());
  return classified('session', operation, [], safe ? [] : ['security-setting']);
}

/** MariaDB `SET STATEMENT var = value, … FOR <statement>`: the inner statement with those settings. */
function setStatement(stmt: Statement, parser: MysqlParser, inner: InnerClassifier): StatementClassification {
  const forAt = stmt.findTopWord(new Set(['FOR']), 2);
  if (forAt < 0) return unknownStatement('parse-error');
  const settings = assignments(stmt, 2, forAt, parser);
  const body = inner(stmt.slice(forAt + 1));
  if (settings.category === 'unknown' || body.category === 'unknown') return unknownStatement('parse-error');
  const category = settings.category === 'session' ? body.category : atLeast(body.category, settings.category);
  return {
    ...body,
    category,
    objects: [...body.objects, ...settings.objects],
    flags: [...new Set([...body.flags, ...settings.flags])],
  };
}

/** `[GLOBAL|SESSION|…] name = value, @user = value, @@global.name = value, …` over tokens [from, to). */
function assignments(stmt: Statement, from: number, to: number, parser: MysqlParser): StatementClassification {
  let category: Category = 'session';
  const flags = new Set<Flag>();
  const values: Array<[number, number]> = [];
  let depth = 0;
  let itemStart = from;
  for (let i = from; i <= to; i++) {
    if (i < to && stmt.isPunct(i, '(')) depth++;
    else if (i < to && stmt.isPunct(i, ')')) depth--;
    else if (i === to || (depth === 0 && stmt.isPunct(i, ','))) {
      const item = assignment(stmt, itemStart, i);
      if (!item) return unknownStatement('parse-error');
      if (item.global) category = atLeast(category, 'admin');
      if (item.security) {
        category = atLeast(category, 'admin');
        flags.add('security-setting');
      }
      if (item.lexing) flags.add('security-setting');
      values.push([item.valueFrom, i]);
      itemStart = i + 1;
    }
  }
  const reads = valueReads(stmt, values, parser);
  if (!reads) return unknownStatement('parse-error');
  if (reads.objects.length > 0) category = atLeast(category, 'read');
  return { ...classified(category, 'SET', reads.objects, [...flags]), functions: reads.functions };
}

interface Assignment {
  readonly global: boolean;
  readonly security: boolean;
  readonly lexing: boolean;
  readonly valueFrom: number;
}

function assignment(stmt: Statement, from: number, to: number): Assignment | null {
  let i = from;
  let global = false;
  let name: string;
  const scope = stmt.word(i);
  if (GLOBAL_SCOPES.has(scope) || SESSION_SCOPES.has(scope)) {
    global = GLOBAL_SCOPES.has(scope);
    i++;
  }
  const token = stmt.tokens[i];
  if (!token) return null;
  if (token.kind === 'variable') {
    const raw = stmt.raw(i);
    if (raw.startsWith('@@')) {
      const dotted = raw.slice(2).toLowerCase();
      const dot = dotted.indexOf('.');
      const prefix = dot >= 0 ? dotted.slice(0, dot) : '';
      global ||= prefix === 'global' || prefix === 'persist' || prefix === 'persist_only';
      name = ['global', 'persist', 'persist_only', 'session', 'local'].includes(prefix) ? dotted.slice(dot + 1) : dotted;
    } else {
      name = ''; // a user variable
    }
    i++;
  } else {
    const parsed = stmt.name(i);
    if (!parsed) return null;
    name = parsed.parts.join('.');
    i = parsed.next;
  }
  if (!stmt.isOperator(i, '=') && !stmt.isOperator(i, ':=')) return null;
  if (i + 1 >= to) return null;
  return { global, security: name !== '' && isSecurityVariable(name), lexing: name !== '' && isLexingVariable(name), valueFrom: i + 1 };
}

/**
 * Values that call functions or hold subqueries are parsed as `SELECT v1, v2, …` for the tables
 * they read and the functions they call. Null when the parser rejects them.
 */
function valueReads(
  stmt: Statement,
  values: ReadonlyArray<[number, number]>,
  parser: MysqlParser,
): { objects: ObjectRef[]; functions: string[] } | null {
  const needsParse = values.some(([from, to]) => {
    for (let i = from; i < to; i++) if (stmt.isPunct(i, '(') || stmt.word(i) === 'SELECT') return true;
    return false;
  });
  if (!needsParse) return { objects: [], functions: [] };
  const text = `SELECT ${values.map(([from, to]) => stmt.parseText(from, to)).join(', ')}`;
  try {
    const database = stmt.context.database ?? '?';
    const analysis = analyzeStatement(parser.parseOne(text), { qualify: (r) => `${r.db ?? database}.${r.table}` });
    if (analysis.unsupported.length > 0) return null;
    return { objects: analysis.objects, functions: analysis.functions };
  } catch {
    return null;
  }
}
