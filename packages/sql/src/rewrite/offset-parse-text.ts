import type { Token } from '../lexer/token.js';

/**
 * The text of tokens [first, end) for node-sql-parser with every offset kept: comments become
 * spaces, literals same-length placeholders (`'  '`, `0  `) — the parser then never reads quoting
 * differently from the lexer — and `<=>`, which the parser lacks, becomes ` = `. AST locations are
 * therefore offsets into the original text minus `tokens[first].start`.
 */
export function offsetPreservingParseText(text: string, tokens: readonly Token[], first: number, end: number): string {
  const base = tokens[first]!.start;
  let out = '';
  let at = base;
  for (let i = first; i < end; i++) {
    const token = tokens[i]!;
    out += text.slice(at, token.start);
    at = token.end;
    const length = token.end - token.start;
    const raw = text.slice(token.start, token.end);
    if (token.kind === 'comment') out += blank(raw);
    else if (token.kind === 'string') out += length >= 2 ? `'${' '.repeat(length - 2)}'` : ' '.repeat(length);
    else if (token.kind === 'number') out += `0${' '.repeat(length - 1)}`;
    else if (token.kind === 'operator' && raw === '<=>') out += ' = ';
    else out += raw;
  }
  return out;
}

/** Same length, line breaks kept, so the parser's line/column and offsets still line up. */
function blank(raw: string): string {
  return raw.replace(/[^\n]/g, ' ');
}
