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

/** Fingerprint and redacted text of one statement, in one pass over its tokens. */
export function normalizeStatement(
  text: string,
  tokens: readonly Token[],
  range: StatementRange,
  rules: NormalizeRules,
): NormalizedStatement {
  const parts: string[] = [];
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
        parts.push('?');
        break;
      case 'param':
        redacted += text.slice(token.start, token.end);
        parts.push('?');
        break;
      case 'comment':
        redacted += REDACTED_COMMENT;
        break;
      case 'word': {
        const word = text.slice(token.start, token.end);
        redacted += word;
        const upper = word.toUpperCase();
        parts.push(rules.keywords.has(upper) ? upper : rules.foldIdentifier(word));
        break;
      }
      default: {
        const raw = text.slice(token.start, token.end);
        redacted += raw;
        parts.push(raw);
      }
    }
  }
  return { fingerprint: joinFingerprint(collapseValueLists(parts)), redactedText: redacted.trim() };
}

/**
 * Redacts every literal and comment in free text lexed as SQL: the statement-text half of the
 * masking package's text redactor.
 */
export function redactTokens(text: string, tokens: readonly Token[]): string {
  if (tokens.length === 0) return text;
  const range = { firstToken: 0, endToken: tokens.length, start: tokens[0]!.start, end: tokens.at(-1)!.end };
  const { redactedText } = normalizeStatement(text, tokens, range, NO_KEYWORDS);
  return text.slice(0, range.start) + redactedText + text.slice(range.end).replace(/\S/g, '?');
}

const NO_KEYWORDS: NormalizeRules = { keywords: new Set(), foldIdentifier: (word) => word };

/** Between tokens only whitespace is expected; anything else the lexer skipped is not copied. */
function gap(text: string, from: number, to: number): string {
  if (from >= to) return '';
  const between = text.slice(from, to);
  return /^\s*$/.test(between) ? between : ' ? ';
}

/** `(?, ?, ?)` → `(?)`, so IN lists and VALUES rows of any length share one fingerprint. */
function collapseValueLists(parts: string[]): string[] {
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

const NO_SPACE_BEFORE = new Set([',', ')', '.', ';', ']']);
const NO_SPACE_AFTER = new Set(['(', '.', '[']);

function joinFingerprint(parts: readonly string[]): string {
  let out = '';
  let previous = '';
  for (const part of parts) {
    if (out.length > 0 && !NO_SPACE_BEFORE.has(part) && !NO_SPACE_AFTER.has(previous)) out += ' ';
    out += part;
    previous = part;
  }
  return out;
}
