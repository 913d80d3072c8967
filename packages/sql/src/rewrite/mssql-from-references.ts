import type { StatementRange } from '../lexer/statement-ranges.js';
import type { Token } from '../lexer/token.js';
import { MSSQL_KEYWORDS } from '../mssql/keywords.js';
import { significant, tokenText } from './table-reference-span.js';

/** A base-table reference in a FROM list as the lexer sees it. */
export interface LexedFromReference {
  /** Name parts as written, unquoted (`db..t` keeps an empty schema part). */
  readonly parts: readonly string[];
  readonly first: number;
  /** Last token of the name. */
  readonly nameEnd: number;
  /** The alias token, when there is one. */
  readonly alias?: number;
  /** Last token of the whole reference (the name or the alias). */
  readonly last: number;
  /** A table hint (`WITH (NOLOCK)`) follows. */
  readonly hinted: boolean;
  /**
   * A parenthesis follows the name: a table-valued function call, or an old-style table hint
   * (`FROM t (NOLOCK)`). Callers refuse it when the name is a filtered table.
   */
  readonly called: boolean;
}

/** Words that end a FROM list at their depth. */
const FROM_LIST_END = new Set(['WHERE', 'GROUP', 'ORDER', 'HAVING', 'UNION', 'EXCEPT', 'INTERSECT', 'OPTION', 'FOR', 'SELECT', 'WINDOW', 'OUTPUT', 'SET', 'INTO', 'VALUES']);

/**
 * Every `name [[AS] alias]` that starts a FROM item in T-SQL: after FROM, JOIN, APPLY, or a comma
 * of a FROM list at the same parenthesis depth. `DELETE [TOP (n)] FROM t` names the target, not a
 * read, and is skipped. Derived tables and table-valued function calls are not base tables.
 */
export function lexedFromReferences(text: string, tokens: readonly Token[], range: StatementRange): LexedFromReference[] {
  const out: LexedFromReference[] = [];
  const inFrom: boolean[] = [false];
  let depth = 0;
  let expecting = false;
  let previousWord = '';
  let previousWords: string[] = [];
  for (let t = range.firstToken; t < range.endToken; t++) {
    const token = tokens[t]!;
    if (token.kind === 'comment') continue;
    const raw = tokenText(text, token);
    const word = token.kind === 'word' ? raw.toUpperCase() : '';
    if (expecting && (token.kind === 'word' || token.kind === 'quoted-ident') && !(token.kind === 'word' && MSSQL_KEYWORDS.has(word))) {
      expecting = false;
      const reference = readReference(text, tokens, t, range.endToken);
      if (reference) {
        out.push(reference);
        t = reference.last;
        continue;
      }
    }
    expecting = false;
    if (token.kind === 'punct' && raw === '(') {
      depth++;
      inFrom[depth] = false;
    } else if (token.kind === 'punct' && raw === ')') {
      depth = Math.max(0, depth - 1);
    } else if (token.kind === 'punct' && raw === ',') {
      expecting = inFrom[depth] === true;
    } else if (word === 'FROM') {
      // DELETE FROM t / DELETE TOP (n) FROM t: the target, not a read.
      const deleteTarget = previousWord === 'DELETE' || (previousWords.at(-1) === ')' && previousWords.includes('DELETE') && previousWords.includes('TOP'));
      inFrom[depth] = true;
      expecting = !deleteTarget;
    } else if (word === 'JOIN' || word === 'APPLY') {
      expecting = true;
    } else if (FROM_LIST_END.has(word)) {
      inFrom[depth] = false;
    }
    previousWord = word || raw;
    previousWords = [...previousWords.slice(-5), word || raw];
  }
  return out;
}

function isIdentifier(token: Token | undefined): boolean {
  return token?.kind === 'word' || token?.kind === 'quoted-ident';
}

function identifierValue(text: string, token: Token): string {
  return token.kind === 'quoted-ident' ? (token.value ?? '') : tokenText(text, token);
}

function readReference(text: string, tokens: readonly Token[], first: number, end: number): LexedFromReference | undefined {
  const parts = [identifierValue(text, tokens[first]!)];
  let t = first;
  for (;;) {
    const dot = significant(tokens, t + 1);
    if (dot < 0 || dot >= end || tokenText(text, tokens[dot]) !== '.') break;
    const next = significant(tokens, dot + 1);
    if (tokenText(text, tokens[next]) === '.') {
      parts.push(''); // db..t
      t = dot;
      continue;
    }
    if (!isIdentifier(tokens[next])) return undefined;
    parts.push(identifierValue(text, tokens[next]!));
    t = next;
  }
  const nameEnd = t;
  let after = significant(tokens, nameEnd + 1);
  // A table-valued function call or an old-style hint: reported, never rewritten.
  if (after >= 0 && after < end && tokenText(text, tokens[after]) === '(') return { parts, first, nameEnd, last: nameEnd, hinted: false, called: true };
  let alias: number | undefined;
  if (after >= 0 && after < end) {
    const afterWord = tokens[after]!.kind === 'word' ? tokenText(text, tokens[after]).toUpperCase() : '';
    if (afterWord === 'AS') {
      alias = significant(tokens, after + 1);
    } else if (tokens[after]!.kind === 'quoted-ident' || (tokens[after]!.kind === 'word' && !MSSQL_KEYWORDS.has(afterWord) && !FROM_LIST_END.has(afterWord))) {
      alias = after;
    }
  }
  const last = alias ?? nameEnd;
  after = significant(tokens, last + 1);
  const hinted =
    after >= 0 && after < end && tokens[after]!.kind === 'word' && tokenText(text, tokens[after]).toUpperCase() === 'WITH' && tokenText(text, tokens[significant(tokens, after + 1)]) === '(';
  return { parts, first, nameEnd, ...(alias !== undefined ? { alias } : {}), last, hinted, called: false };
}
