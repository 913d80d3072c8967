import type { Category, ColumnLineage, Flag, ObjectRef, SqlDialect } from '@gatehouse/core';
import type { LiteralSpans } from './literal-spans.js';
import type { StatementRange } from './lexer/statement-ranges.js';
import type { LexResult } from './lexer/token.js';
import type { NormalizeRules } from './normalize.js';

/** The session state that qualifies unqualified names. */
export interface ClassifyContext {
  readonly dialect: SqlDialect;
  /** The session's current database; `?` in object names when unknown. */
  readonly database?: string;
  /** The default schema (postgres: search_path head, default `public`; mssql: default `dbo`). */
  readonly schema?: string;
}

/** What a dialect module says about one statement; fingerprint and redaction are added by the caller. */
export interface StatementClassification {
  readonly category: Category;
  readonly operation: string;
  readonly objects: readonly ObjectRef[];
  readonly flags: readonly Flag[];
  readonly lineage?: readonly ColumnLineage[];
  readonly functions?: readonly string[];
}

/** One SQL dialect: its lexer (the authority), its splitter, and its parser-backed classifier. */
export interface DialectModule extends NormalizeRules {
  readonly dialect: SqlDialect;
  lex(text: string): LexResult;
  split(lexed: LexResult, text: string): StatementRange[];
  /**
   * Optional one-pass shortcut for literal-varying texts: fills `spans` with the statement and its
   * literals when the text is one plain statement with at least one literal, whose redacted text
   * then stands for its shape (texts with the same redacted text have the same fingerprint);
   * false whenever the text is anything less plain. Must agree with `lex` + `split` + redaction
   * wherever it answers.
   */
  scanLiteralShape?(text: string, spans: LiteralSpans): boolean;
  /**
   * Exactly one classification per range, in order. Never throws: when the parser fails or its
   * statements disagree with the lexer's ranges, the affected statements are `unknown` with
   * `parse-error`, never a read.
   */
  classify(
    text: string,
    lexed: LexResult,
    ranges: readonly StatementRange[],
    context: ClassifyContext,
  ): StatementClassification[];
}

/** The fail-closed classification: nothing is known about what the statement does. */
export function unknownStatement(...flags: Flag[]): StatementClassification {
  return { category: 'unknown', operation: 'UNKNOWN', objects: [], flags };
}
