import type { Category, Flag, ObjectRef } from '@gatehouse/core';
import type { ClassifyContext, StatementClassification } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import type { TokenView } from './token-view.js';

/** What every per-statement classifier needs: the tokens and the session's naming context. */
export interface StatementContext {
  readonly view: TokenView;
  readonly context: ClassifyContext;
}

export function statement(
  category: Category,
  operation: string,
  objects: readonly ObjectRef[] = [],
  flags: readonly Flag[] = [],
): StatementClassification {
  return { category, operation, objects, flags: [...new Set(flags)] };
}

export const parseError = (): StatementClassification => unknownStatement('parse-error');

/**
 * The text handed to the parser for the significant positions [from, to): every string literal
 * becomes '?' and every number 0, comments are dropped. The tree then never holds a literal value
 * (a string alias such as `SELECT a 'ssn'` comes back as '?'), and the classification depends on
 * the statement's shape only, as the fingerprint cache requires.
 */
export function parserText(view: TokenView, from: number, to: number, defaultSchema: string): string {
  let out = '';
  for (let k = from; k < to; k++) {
    const token = view.token(k);
    let raw = token.kind === 'string' ? "'?'" : token.kind === 'number' ? '0' : view.text.slice(token.start, token.end);
    // `db..t` means the default schema, which the grammar cannot read: write it out.
    if (raw === '.' && view.punct(k + 1) === '.' && k + 1 < to) raw = `. [${defaultSchema.replaceAll(']', ']]')}]`;
    // One space between tokens keeps words apart; around punctuation it is harmless.
    out += k === from ? raw : ` ${raw}`;
  }
  return out;
}

/** Merges repeated (access, kind, name) entries and their columns. */
export function dedupeObjects(objects: readonly ObjectRef[]): ObjectRef[] {
  const seen = new Map<string, ObjectRef>();
  for (const object of objects) {
    const key = `${object.access}\u0000${object.kind}\u0000${object.name}`;
    const previous = seen.get(key);
    if (!previous) {
      seen.set(key, object);
      continue;
    }
    const columns = [...new Set([...(previous.columns ?? []), ...(object.columns ?? [])])];
    seen.set(key, columns.length > 0 ? { ...previous, columns } : previous);
  }
  return [...seen.values()];
}
