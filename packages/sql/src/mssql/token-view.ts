import type { LexResult, Token } from '../lexer/token.js';

/**
 * The lexed text seen without comments: `sig[k]` is the index of the k-th non-comment token, and
 * `word(k)` its upper-case keyword form ('' for non-words). Built once per lex, shared by the
 * splitter and the classifier so neither re-scans the text.
 */
export interface TokenView {
  readonly text: string;
  readonly tokens: readonly Token[];
  /** Token indexes of the non-comment tokens, in order. */
  readonly sig: readonly number[];
  /** Upper-case word at significant position k, or '' when it is not a word. */
  word(k: number): string;
  /** The single character of a punct/operator token at position k ('' otherwise), e.g. '(' or '='. */
  punct(k: number): string;
  token(k: number): Token;
  /** Significant position of the first non-comment token at or after token index `t`. */
  positionOf(t: number): number;
}

/**
 * The last view built: the splitter and then the classifier ask for the same lexed text in a row.
 * One entry rather than a WeakMap keyed by every lex result: weak keys of short-lived objects made
 * the garbage collector the biggest cost of the fingerprint-hit path.
 */
let last: { readonly lexed: LexResult; readonly view: TokenView } | undefined;

export function tokenView(lexed: LexResult, text: string): TokenView {
  if (last && last.lexed === lexed && last.view.text === text) return last.view;
  const view = new SignificantTokens(lexed.tokens, text);
  last = { lexed, view };
  return view;
}

/** A class, not an object of closures: the fingerprint-hit path builds one per statement. */
class SignificantTokens implements TokenView {
  readonly sig: number[] = [];
  private readonly words: string[] = [];
  private readonly puncts: string[] = [];

  constructor(
    readonly tokens: readonly Token[],
    readonly text: string,
  ) {
    for (let t = 0; t < tokens.length; t++) {
      const token = tokens[t]!;
      if (token.kind === 'comment') continue;
      this.sig.push(t);
      this.words.push(token.kind === 'word' ? token.value!.toUpperCase() : '');
      this.puncts.push(token.kind === 'punct' || token.kind === 'operator' ? text.slice(token.start, token.end) : '');
    }
  }

  word(k: number): string {
    return this.words[k] ?? '';
  }

  punct(k: number): string {
    return this.puncts[k] ?? '';
  }

  token(k: number): Token {
    return this.tokens[this.sig[k]!]!;
  }

  /** The number of significant tokens before token index `t` (a binary search: `sig` is ascending). */
  positionOf(t: number): number {
    let low = 0;
    let high = this.sig.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.sig[mid]! < t) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
