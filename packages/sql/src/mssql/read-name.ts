import type { TokenView } from './token-view.js';

/** A dotted name read from the tokens and the position after it. */
export interface NameAt {
  readonly parts: readonly string[];
  readonly next: number;
}

/**
 * Reads a (possibly dotted, possibly bracketed) name at `at`: `t`, `dbo.t`, `[db].[dbo].[t]`,
 * `db..t` (empty schema part), `#temp`. Undefined when no name starts there.
 */
export function readName(view: TokenView, at: number, to: number): NameAt | undefined {
  const parts: string[] = [];
  let k = at;
  for (;;) {
    if (k >= to) return parts.length > 0 ? { parts, next: k } : undefined;
    const token = view.token(k);
    if (token.kind === 'word' || token.kind === 'quoted-ident') {
      parts.push(token.value ?? '');
      k++;
    } else if (view.punct(k) === '.' && parts.length > 0) {
      parts.push('');
    } else {
      return parts.length > 0 ? { parts, next: k } : undefined;
    }
    if (view.punct(k) !== '.') return { parts, next: k };
    k++;
    // `db..t`: the empty part between two dots.
    while (k < to && view.punct(k) === '.') {
      parts.push('');
      k++;
    }
  }
}

/** Position just after the `)` matching the `(` at `open`, or `to` when unbalanced. */
export function afterParens(view: TokenView, open: number, to: number): number {
  let depth = 0;
  for (let k = open; k < to; k++) {
    const p = view.punct(k);
    if (p === '(') depth++;
    else if (p === ')' && --depth === 0) return k + 1;
  }
  return to;
}

/** First position in [from, to) at paren depth 0 holding `word`, or -1. */
export function findWord(view: TokenView, from: number, to: number, word: string): number {
  let depth = 0;
  for (let k = from; k < to; k++) {
    const p = view.punct(k);
    if (p === '(') depth++;
    else if (p === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && view.word(k) === word) return k;
  }
  return -1;
}

/** How often `word` occurs in [from, to) at any depth. */
export function countWord(view: TokenView, from: number, to: number, word: string): number {
  let n = 0;
  for (let k = from; k < to; k++) if (view.word(k) === word) n++;
  return n;
}
