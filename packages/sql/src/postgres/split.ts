import type { StatementRange } from '../lexer/statement-ranges.js';
import { rangeOf } from '../lexer/statement-ranges.js';
import type { Token } from '../lexer/token.js';

/**
 * Splits PostgreSQL text on top-level `;`, except inside the SQL-standard body of CREATE
 * FUNCTION / PROCEDURE (`BEGIN ATOMIC stmt; stmt; END`), whose `;` the server reads as part of
 * the one statement. Like psql, a statement that starts with CREATE and names FUNCTION or
 * PROCEDURE among its first words counts BEGIN and CASE as opening a block and END as closing
 * one. Misjudged nesting (a parameter named `begin`) only merges statements, and the parser then
 * disagrees with the ranges: unknown, never a silent split.
 */
export function splitPostgres(tokens: readonly Token[], text: string): StatementRange[] {
  const ranges: StatementRange[] = [];
  let first = -1;
  let last = -1;
  /** Words seen in the current statement (only the first few matter). */
  let words = 0;
  let routine = false;
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind === 'punct' && text.charCodeAt(token.start) === 59 /* ; */ && depth === 0) {
      if (first >= 0) ranges.push(rangeOf(tokens, first, last + 1));
      first = -1;
      words = 0;
      routine = false;
      continue;
    }
    if (token.kind === 'comment') continue;
    if (first < 0) first = i;
    last = i;
    if (token.kind !== 'word' || (!routine && words >= ROUTINE_WORDS_SEEN)) continue;
    const word = token.value!.toUpperCase();
    if (words < ROUTINE_WORDS_SEEN) {
      // Not a CREATE: never a routine (the common case costs one upper-casing per statement).
      words = words === 0 && word !== 'CREATE' ? ROUTINE_WORDS_SEEN : words + 1;
      if (word === 'FUNCTION' || word === 'PROCEDURE') routine = true;
    }
    if (!routine) continue;
    if (word === 'BEGIN' || word === 'CASE') depth++;
    else if (word === 'END' && depth > 0) depth--;
  }
  if (first >= 0) ranges.push(rangeOf(tokens, first, last + 1));
  return ranges;
}

/** CREATE OR REPLACE [TEMP] FUNCTION: the routine word is within the first five. */
const ROUTINE_WORDS_SEEN = 5;
