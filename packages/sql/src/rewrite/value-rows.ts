import type { Token } from '../lexer/token.js';
import type { WrittenValue } from './insert-row-check.js';
import { matchingClose, significant, tokenText } from './table-reference-span.js';
import { RewriteRefusal } from './types.js';

/**
 * The rows of `VALUES (…), (…)` read from the lexer's tokens (the parser only saw placeholders):
 * each item is one plain literal, a parameter (`?`, T-SQL `@p1`), NULL/TRUE/FALSE, or `other`.
 * `open` is the first `(`.
 */
export function literalValueRows(dialect: 'mysql' | 'mssql', text: string, tokens: readonly Token[], open: number, end: number): WrittenValue[][] {
  const rows: WrittenValue[][] = [];
  let t = open;
  for (;;) {
    if (tokenText(text, tokens[t]) !== '(') throw new RewriteRefusal('could not read the VALUES rows of an INSERT');
    const close = matchingClose(text, tokens, t);
    rows.push(rowItems(dialect, text, tokens, t + 1, close));
    const next = significant(tokens, close + 1);
    if (next < 0 || next >= end || tokenText(text, tokens[next]) !== ',') return rows;
    t = significant(tokens, next + 1);
  }
}

function rowItems(dialect: 'mysql' | 'mssql', text: string, tokens: readonly Token[], from: number, close: number): WrittenValue[] {
  const items: WrittenValue[] = [];
  let current: number[] = [];
  let depth = 0;
  for (let t = from; t <= close; t++) {
    const token = tokens[t]!;
    if (token.kind === 'comment') continue;
    const raw = tokenText(text, token);
    if (t === close || (depth === 0 && raw === ',')) {
      items.push(itemValue(dialect, text, tokens, current));
      current = [];
      continue;
    }
    if (raw === '(') depth++;
    else if (raw === ')') depth--;
    current.push(t);
  }
  return items;
}

function itemValue(dialect: 'mysql' | 'mssql', text: string, tokens: readonly Token[], indexes: readonly number[]): WrittenValue {
  const negative = indexes.length === 2 && tokenText(text, tokens[indexes[0]!]) === '-';
  if (indexes.length !== 1 && !negative) return { kind: 'other' };
  const token = tokens[indexes.at(-1)!]!;
  const raw = tokenText(text, token);
  if (token.kind === 'number' && /^\d+(\.\d+)?$/.test(raw)) return { kind: 'number', text: negative ? `-${raw}` : raw };
  if (negative) return { kind: 'other' };
  if (token.kind === 'param' || (dialect === 'mssql' && token.kind === 'variable')) return { kind: 'param' };
  if (token.kind === 'word') {
    const word = raw.toUpperCase();
    if (word === 'NULL') return { kind: 'null' };
    if (dialect === 'mysql' && (word === 'TRUE' || word === 'FALSE')) return { kind: 'boolean', value: word === 'TRUE' };
  }
  if (token.kind === 'string') {
    const value = dialect === 'mysql' ? decodeMysqlString(raw) : decodeMssqlString(raw);
    return value === undefined ? { kind: 'other' } : { kind: 'string', value };
  }
  return { kind: 'other' };
}

/**
 * A plain '…' or "…" string under the pinned sql_mode (backslash escapes on). Prefixed forms
 * (N'…', X'…', _charset'…') are left undecoded: the caller refuses rather than guesses.
 */
export function decodeMysqlString(raw: string): string | undefined {
  const quote = raw[0];
  if ((quote !== "'" && quote !== '"') || raw.length < 2 || raw.at(-1) !== quote) return undefined;
  let out = '';
  for (let i = 1; i < raw.length - 1; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const next = raw[++i] ?? '';
      out += ESCAPES[next] ?? (next === '%' || next === '_' ? `\\${next}` : next);
    } else if (c === quote) {
      out += c;
      i++; // doubled quote
    } else {
      out += c;
    }
  }
  return out;
}

/** '…' or N'…' with '' doubling (T-SQL has no backslash escapes). */
export function decodeMssqlString(raw: string): string | undefined {
  const body = raw[0] === 'N' || raw[0] === 'n' ? raw.slice(1) : raw;
  return body.length >= 2 && body[0] === "'" && body.at(-1) === "'" ? body.slice(1, -1).replaceAll("''", "'") : undefined;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\u0000',
  "'": "'",
  '"': '"',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\u001a',
  '\\': '\\',
};
