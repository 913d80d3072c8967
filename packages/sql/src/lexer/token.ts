/**
 * Token kinds shared by every dialect's lexer. The lexer is the authority on quoting, comments and
 * statement boundaries; parsers are cross-checked against it.
 */
export type TokenKind =
  /** An unquoted identifier or keyword. */
  | 'word'
  /** "x" (postgres, ANSI), `x` (mysql), [x] (mssql). */
  | 'quoted-ident'
  /** Any string literal: '…', E'…', $tag$…$tag$, N'…', X'…', B'…', "…" in mysql without ANSI_QUOTES. */
  | 'string'
  | 'number'
  /** A bind placeholder whose value arrives separately: $1, ?, :name. */
  | 'param'
  /** @x, @@x (mysql, mssql). */
  | 'variable'
  | 'operator'
  /** ( ) , ; . [ ] { } */
  | 'punct'
  | 'comment'
  /** MySQL `/*!` or `/*M!` opener: the server executes what follows up to the matching end. */
  | 'exec-comment-start'
  | 'exec-comment-end';

export interface Token {
  readonly kind: TokenKind;
  /** UTF-16 offsets into the lexed text: text.slice(start, end) is the token as written. */
  readonly start: number;
  readonly end: number;
  /**
   * word: the text as written; quoted-ident: the identifier with quotes removed and escapes resolved.
   * Absent for literals, so a literal's value is never copied out of the text.
   */
  readonly value?: string;
}

export type LexProblemKind =
  | 'unterminated-string'
  | 'unterminated-identifier'
  | 'unterminated-comment'
  | 'invalid-character';

export interface LexProblem {
  readonly kind: LexProblemKind;
  readonly offset: number;
}

export interface LexResult {
  readonly tokens: readonly Token[];
  readonly problems: readonly LexProblem[];
}

/** Literal tokens: replaced in fingerprints and redacted text. */
export function isLiteral(token: Token): boolean {
  return token.kind === 'string' || token.kind === 'number';
}
