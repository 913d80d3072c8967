import type { Flag } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import { mergeViews } from './merge-views.js';
import type { InnerClassifier } from './result.js';
import { atLeast } from './result.js';
import { Statement } from './statement.js';

/**
 * A stored-program statement (CREATE PROCEDURE … BEGIN …; …; END) keeps its inner `;`. If the
 * splitter misjudged where the body ends, a statement after it would hide inside; so every
 * `;`-separated piece after the first is classified too and merged in (body statements show up
 * as objects of the CREATE, which is also what the program will touch). Pieces that are body
 * fragments (END IF, DECLARE …) classify as unknown: only their non-parse-error flags are kept.
 */
export function withBodyPieces(stmt: Statement, whole: StatementClassification, inner: InnerClassifier): StatementClassification {
  if (whole.category === 'unknown' || !stmt.tokens.some((_, i) => stmt.isPunct(i, ';'))) return whole;
  const pieces: Statement[] = [];
  // The first piece is the header; its body part starts after the first BEGIN.
  let start = stmt.findWord('BEGIN') + 1;
  for (let i = 0; i <= stmt.length; i++) {
    if (i < stmt.length && !stmt.isPunct(i, ';')) continue;
    if (start > 0 && i > start) pieces.push(new Statement(stmt.text, stmt.tokens.slice(start, i), stmt.context));
    start = i + 1;
  }
  const known: StatementClassification[] = [];
  const flags = new Set<Flag>();
  for (const raw of pieces) {
    const piece = bodyStatement(raw);
    if (!piece) continue;
    const result = inner(piece);
    if (result.category !== 'unknown') known.push(result);
    else if (result.flags.includes('dynamic')) flags.add('dynamic');
    else return unknownStatement('parse-error');
  }
  const merged = mergeViews([whole, ...known]);
  const keepWhole = atLeast(merged.category, whole.category) === whole.category;
  return {
    ...merged,
    category: keepWhole ? whole.category : merged.category,
    operation: keepWhole ? whole.operation : merged.operation,
    flags: [...new Set([...merged.flags, ...flags])],
  };
}

/** Control-flow words whose piece holds no statement of its own. */
const NO_STATEMENT = new Set(['END', 'DECLARE', 'UNTIL', 'LEAVE', 'ITERATE', 'RETURN', 'OPEN', 'FETCH', 'CLOSE']);
const CONTROL = new Set(['IF', 'ELSEIF', 'ELSE', 'WHEN', 'WHILE', 'LOOP', 'REPEAT', 'CASE', 'FOR', 'BEGIN']);
/** The words after which a control-flow piece's statement starts. */
const STATEMENT_AFTER = new Set(['THEN', 'ELSE', 'DO', 'LOOP', 'REPEAT', 'BEGIN']);

/**
 * The statement inside a body piece: `IF x THEN DELETE …` → `DELETE …`, `lbl: LOOP SELECT …` →
 * `SELECT …`; null for pieces without one (END IF, DECLARE …). Plain statements pass through.
 */
export function bodyStatement(piece: Statement): Statement | null {
  let current = piece;
  for (;;) {
    if (current.length === 0 || NO_STATEMENT.has(current.word(0))) return null;
    const labelled = current.isOperator(1, ':');
    if (!labelled && !CONTROL.has(current.word(0))) return current;
    const at = current.findTopWord(STATEMENT_AFTER, labelled ? 2 : current.word(0) === 'ELSE' || current.word(0) === 'BEGIN' ? 0 : 1);
    if (at < 0) return null;
    current = current.slice(at + 1);
  }
}
