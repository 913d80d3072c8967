import type { StatementRange } from './lexer/statement-ranges.js';
import type { Token } from './lexer/token.js';

export interface NormalizeRules {
  /** Upper-case keywords; other unquoted words are identifiers. */
  readonly keywords: ReadonlySet<string>;
  /** How the dialect folds an unquoted identifier (postgres: lower case; mysql, mssql: as written). */
  foldIdentifier(word: string): string;
}

export interface NormalizedStatement {
  /** Literals and parameters → `?`, keywords upper-cased, identifiers folded, one space between tokens. */
  readonly fingerprint: string;
  /** The statement as written with every literal replaced by `?` and every comment body removed. */
  readonly redactedText: string;
}

const REDACTED_COMMENT = '/* … */';

/** Fingerprint and redacted text of one statement. */
export function normalizeStatement(
  text: string,
  tokens: readonly Token[],
  range: StatementRange,
  rules: NormalizeRules,
): NormalizedStatement {
  return { fingerprint: fingerprintStatement(text, tokens, range, rules), redactedText: redactStatement(text, tokens, range) };
}

/**
 * The fingerprint alone: what every statement needs (the classification cache key). The redacted
 * text is built separately, only when something reads it (audit, logs, traces).
 */
export function fingerprintStatement(text: string, tokens: readonly Token[], range: StatementRange, rules: NormalizeRules): string {
  const parts: string[] = [];
  for (let i = range.firstToken; i < range.endToken; i++) {
    const token = tokens[i]!;
    switch (token.kind) {
      case 'string':
      case 'number':
      case 'param':
        parts.push('?');
        break;
      case 'comment':
        break;
      case 'word':
        parts.push(normalizedWord(token.value ?? text.slice(token.start, token.end), rules));
        break;
      default:
        parts.push(text.slice(token.start, token.end));
    }
  }
  return joinFingerprint(collapseValueLists(parts));
}

/** Per dialect: word as written → its fingerprint form. Statements repeat their words endlessly. */
const wordForms = new WeakMap<NormalizeRules, Map<string, string>>();
/** Bounds the memory of a word cache fed with ever new identifiers. */
const MAX_CACHED_WORDS = 10_000;

function normalizedWord(word: string, rules: NormalizeRules): string {
  let forms = wordForms.get(rules);
  if (!forms) wordForms.set(rules, (forms = new Map()));
  let form = forms.get(word);
  if (form === undefined) {
    const upper = word.toUpperCase();
    form = rules.keywords.has(upper) ? upper : rules.foldIdentifier(word);
    if (forms.size >= MAX_CACHED_WORDS) forms.clear();
    forms.set(word, form);
  }
  return form;
}

/** The statement as written with every literal replaced by `?` and every comment body removed. */
export function redactStatement(text: string, tokens: readonly Token[], range: StatementRange): string {
  let redacted = '';
  let previousEnd = range.start;
  for (let i = range.firstToken; i < range.endToken; i++) {
    const token = tokens[i]!;
    redacted += gap(text, previousEnd, token.start);
    previousEnd = token.end;
    switch (token.kind) {
      case 'string':
      case 'number':
        redacted += '?';
        break;
      case 'comment':
        redacted += REDACTED_COMMENT;
        break;
      default:
        redacted += text.slice(token.start, token.end);
    }
  }
  return redacted.trim();
}

/**
 * Redacts every literal and comment in free text lexed as SQL: the statement-text half of the
 * masking package's text redactor.
 */
export function redactTokens(text: string, tokens: readonly Token[]): string {
  if (tokens.length === 0) return text;
  const range = { firstToken: 0, endToken: tokens.length, start: tokens[0]!.start, end: tokens.at(-1)!.end };
  // Redaction only: free text (server messages) never goes through the fingerprint's word cache.
  const redactedText = redactStatement(text, tokens, range);
  return text.slice(0, range.start) + redactedText + text.slice(range.end).replace(/\S/g, '?');
}

/** Between tokens only whitespace is expected; anything else the lexer skipped is not copied. */
function gap(text: string, from: number, to: number): string {
  if (from >= to) return '';
  // The usual gap is one plain space: no slice, no regular expression.
  if (to - from === 1 && text.charCodeAt(from) === 32) return ' ';
  const between = text.slice(from, to);
  return /^\s*$/.test(between) ? between : ' ? ';
}

/** `(?, ?, ?)` → `(?)`, so IN lists and VALUES rows of any length share one fingerprint. */
function collapseValueLists(parts: string[]): string[] {
  let list = false;
  for (let i = 0; i < parts.length - 1 && !list; i++) list = parts[i] === '(' && parts[i + 1] === '?';
  if (!list) return parts;
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === '(' && parts[i + 1] === '?') {
      let j = i + 2;
      while (parts[j] === ',' && parts[j + 1] === '?') j += 2;
      if (parts[j] === ')') {
        out.push('(', '?', ')');
        i = j;
        continue;
      }
    }
    out.push(parts[i]!);
  }
  return out;
}

/** `, ) . ; ]` take no space before them. */
function noSpaceBefore(part: string): boolean {
  if (part.length !== 1) return false;
  const c = part.charCodeAt(0);
  return c === 44 || c === 41 || c === 46 || c === 59 || c === 93;
}

/** `( . [` take no space after them. */
function noSpaceAfter(part: string): boolean {
  if (part.length !== 1) return false;
  const c = part.charCodeAt(0);
  return c === 40 || c === 46 || c === 91;
}

function joinFingerprint(parts: readonly string[]): string {
  let out = '';
  let previous = '';
  for (const part of parts) {
    if (out.length > 0 && !noSpaceBefore(part) && !noSpaceAfter(previous)) out += ' ';
    out += part;
    previous = part;
  }
  return out;
}
