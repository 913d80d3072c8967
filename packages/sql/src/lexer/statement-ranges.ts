import type { Token } from './token.js';

/** A statement as a half-open range of token indexes, and its text span. */
export interface StatementRange {
  readonly firstToken: number;
  /** Exclusive. */
  readonly endToken: number;
  readonly start: number;
  readonly end: number;
}

/**
 * Splits on top-level `;` tokens. Empty statements (only `;` or comments) are dropped. Dialects
 * whose statements need no terminator (T-SQL) provide their own splitter.
 */
export function splitOnSemicolons(tokens: readonly Token[], text: string): StatementRange[] {
  const ranges: StatementRange[] = [];
  let first = -1;
  let last = -1;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind === 'punct' && text.charCodeAt(token.start) === 59 /* ; */) {
      if (first >= 0) ranges.push(rangeOf(tokens, first, last + 1));
      first = -1;
      continue;
    }
    if (token.kind === 'comment') continue;
    if (first < 0) first = i;
    last = i;
  }
  if (first >= 0) ranges.push(rangeOf(tokens, first, last + 1));
  return ranges;
}

export function rangeOf(tokens: readonly Token[], firstToken: number, endToken: number): StatementRange {
  return { firstToken, endToken, start: tokens[firstToken]!.start, end: tokens[endToken - 1]!.end };
}
