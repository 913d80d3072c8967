import type { Token } from '../lexer/token.js';
import { RewriteRefusal } from './types.js';

/** Where a table reference sits in the text, found from the parser's location with the lexer's tokens. */
export interface TableReferenceSpan {
  /** First character of the name (or of the keyword before it the caller folded in). */
  readonly start: number;
  /** The name as written (`public."Customers"`), including a PostgreSQL inheritance `*`. */
  readonly nameText: string;
  /** The alias as written (quoted or not), when there is one. */
  readonly aliasText?: string;
  /** A column alias list as written (`(a, b)`), when there is one. */
  readonly columnAliasText?: string;
  /** One past the last character of the reference. */
  readonly end: number;
  /** Index of the last token of the reference. */
  readonly lastToken: number;
}

export interface ReferenceShape {
  /** How many dotted parts the parser saw in the name. */
  readonly nameParts: number;
  readonly hasAlias: boolean;
  readonly hasColumnAliases: boolean;
  /** PostgreSQL: `name *` (explicit inheritance) may follow the name. */
  readonly allowInheritanceStar?: boolean;
}

/** Index of the token that starts exactly at `offset`, or -1. Tokens are sorted by start. */
export function tokenStartingAt(tokens: readonly Token[], offset: number): number {
  let lo = 0;
  let hi = tokens.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const start = tokens[mid]!.start;
    if (start === offset) return mid;
    if (start < offset) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The next token that is not a comment, from index `i` (inclusive); -1 at the end. */
export function significant(tokens: readonly Token[], i: number): number {
  for (let t = i; t < tokens.length; t++) if (tokens[t]!.kind !== 'comment') return t;
  return -1;
}

/** The previous token that is not a comment, from index `i` (inclusive); -1 at the start. */
export function significantBefore(tokens: readonly Token[], i: number): number {
  for (let t = i; t >= 0; t--) if (tokens[t]!.kind !== 'comment') return t;
  return -1;
}

export function tokenText(text: string, token: Token | undefined): string {
  return token ? text.slice(token.start, token.end) : '';
}

export function isWord(text: string, token: Token | undefined, word: string): boolean {
  return token?.kind === 'word' && tokenText(text, token).toUpperCase() === word;
}

function isIdentifier(token: Token | undefined): boolean {
  return token?.kind === 'word' || token?.kind === 'quoted-ident';
}

/**
 * Reads `name [*] [[AS] alias [(columns)]]` starting at token `first`, checking every piece against
 * what the parser reported. Any mismatch means lexer and parser read different text: refuse.
 */
export function tableReferenceSpan(text: string, tokens: readonly Token[], first: number, shape: ReferenceShape): TableReferenceSpan {
  const disagree = (): never => {
    throw new RewriteRefusal('the parser and the lexer disagree about a table reference');
  };
  let t = first;
  if (!isIdentifier(tokens[t])) disagree();
  for (let part = 1; part < shape.nameParts; part++) {
    const dot = significant(tokens, t + 1);
    if (tokenText(text, tokens[dot]) !== '.') disagree();
    t = significant(tokens, dot + 1);
    if (!isIdentifier(tokens[t])) disagree();
  }
  let last = t;
  const star = significant(tokens, t + 1);
  if (shape.allowInheritanceStar && tokenText(text, tokens[star]) === '*') last = star;
  const nameText = text.slice(tokens[first]!.start, tokens[last]!.end);
  let aliasText: string | undefined;
  let columnAliasText: string | undefined;
  if (shape.hasAlias) {
    let a = significant(tokens, last + 1);
    if (isWord(text, tokens[a], 'AS')) a = significant(tokens, a + 1);
    if (!isIdentifier(tokens[a])) disagree();
    aliasText = tokenText(text, tokens[a]);
    last = a;
    if (shape.hasColumnAliases) {
      const open = significant(tokens, a + 1);
      if (tokenText(text, tokens[open]) !== '(') disagree();
      const close = matchingClose(text, tokens, open);
      columnAliasText = text.slice(tokens[open]!.start, tokens[close]!.end);
      last = close;
    }
  }
  return {
    start: tokens[first]!.start,
    nameText,
    ...(aliasText !== undefined ? { aliasText } : {}),
    ...(columnAliasText !== undefined ? { columnAliasText } : {}),
    end: tokens[last]!.end,
    lastToken: last,
  };
}

/** Index of the `)` that closes the `(` at `open`. */
export function matchingClose(text: string, tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let t = open; t < tokens.length; t++) {
    const token = tokens[t]!;
    if (token.kind !== 'punct') continue;
    const c = tokenText(text, token);
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return t;
  }
  throw new RewriteRefusal('unbalanced parentheses');
}
