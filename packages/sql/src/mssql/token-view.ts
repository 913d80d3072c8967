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

const viewCache = new WeakMap<LexResult, TokenView>();

export function tokenView(lexed: LexResult, text: string): TokenView {
  const cached = viewCache.get(lexed);
  if (cached && cached.text === text) return cached;
  const tokens = lexed.tokens;
  const sig: number[] = [];
  const words: string[] = [];
  const puncts: string[] = [];
  const position = new Int32Array(tokens.length + 1);
  for (let t = 0; t < tokens.length; t++) {
    position[t] = sig.length;
    const token = tokens[t]!;
    if (token.kind === 'comment') continue;
    sig.push(t);
    words.push(token.kind === 'word' ? token.value!.toUpperCase() : '');
    puncts.push(token.kind === 'punct' || token.kind === 'operator' ? text.slice(token.start, token.end) : '');
  }
  position[tokens.length] = sig.length;
  const view: TokenView = {
    text,
    tokens,
    sig,
    word: (k) => words[k] ?? '',
    punct: (k) => puncts[k] ?? '',
    token: (k) => tokens[sig[k]!]!,
    positionOf: (t) => position[Math.min(t, tokens.length)]!,
  };
  viewCache.set(lexed, view);
  return view;
}
