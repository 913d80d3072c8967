import { parseSync } from 'libpg-query';
import type { StatementRange } from '../lexer/statement-ranges.js';
import { asList, asNode } from './ast.js';


/**
 * Parses the whole text once and pairs each parsed statement with the lexer range it covers.
 * Returns undefined — every statement unknown — when the parser fails, finds a different number
 * of statements, or places a statement boundary where the lexer did not: the lexer is the
 * authority on boundaries, and a disagreement means one of the two misread the text.
 */
export function parseRanges(text: string, ranges: readonly StatementRange[]): unknown[] | undefined {
  const shape = textShape(text);
  if (shape === 'unparsable') return undefined;
  let stmts: readonly { readonly [key: string]: unknown }[];
  try {
    stmts = asList(asNode(parseSync(text))?.['stmts']);
  } catch {
    return undefined;
  }
  if (stmts.length !== ranges.length) return undefined;
  // libpg-query reports UTF-8 byte offsets; ranges are UTF-16 indexes.
  const toByte = shape === 'unicode' ? byteOffsets(text, ranges) : undefined;
  const totalBytes = toByte ? utf8Length(text) : text.length;
  const nodes: unknown[] = [];
  for (let i = 0; i < ranges.length; i++) {
    const stmt = stmts[i]!;
    const range = ranges[i]!;
    const location = typeof stmt['stmt_location'] === 'number' ? stmt['stmt_location'] : 0;
    // stmt_len 0 (or absent) means "to the end of the text".
    const stated = typeof stmt['stmt_len'] === 'number' ? stmt['stmt_len'] : 0;
    const length = stated > 0 ? stated : totalBytes - location;
    const start = toByte ? toByte.get(range.start)! : range.start;
    const end = toByte ? toByte.get(range.end)! : range.end;
    if (start < location || end > location + length) return undefined;
    nodes.push(stmt['stmt']);
  }
  return nodes;
}

/**
 * 'unparsable': a NUL ends the C string the parser sees, and a lone surrogate has no UTF-8 form
 * the offsets could follow. 'unicode': offsets need converting. 'ascii': bytes are indexes.
 */
function textShape(text: string): 'ascii' | 'unicode' | 'unparsable' {
  let shape: 'ascii' | 'unicode' = 'ascii';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return 'unparsable';
    if (c < 0x80) continue;
    shape = 'unicode';
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return 'unparsable';
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return 'unparsable';
    }
  }
  return shape;
}

/** UTF-8 byte offset of every range start and end, in one pass over the text. */
function byteOffsets(text: string, ranges: readonly StatementRange[]): Map<number, number> {
  const wanted = [...new Set(ranges.flatMap((range) => [range.start, range.end]))].sort((a, b) => a - b);
  const out = new Map<number, number>();
  let bytes = 0;
  let next = 0;
  for (let i = 0; i <= text.length && next < wanted.length; i++) {
    while (next < wanted.length && wanted[next] === i) out.set(wanted[next++]!, bytes);
    if (i < text.length) bytes += utf8Width(text.charCodeAt(i));
  }
  return out;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) bytes += utf8Width(text.charCodeAt(i));
  return bytes;
}

/** Bytes per UTF-16 code unit: a surrogate pair is 4 bytes, 2 per half (lone ones were rejected). */
function utf8Width(code: number): number {
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdfff) return 2;
  return 3;
}
