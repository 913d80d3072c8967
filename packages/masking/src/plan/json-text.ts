import type { DetectorMatch } from '../detectors/types.js';

/** Result of masking spans inside JSON text: the new text, or FAIL when a span is not safely replaceable. */
export const JSON_FAIL = Symbol('json-fail');

/**
 * Masks detector spans inside JSON text without re-serialising it (JSON.parse would round big
 * numbers and reorder nothing we want touched). A span inside a string literal is replaced by the
 * JSON-escaped mask, or the whole string by `null` when the mask is NULL; a span covering a bare
 * number is replaced by `null`. Anything else (a span across tokens) returns JSON_FAIL.
 */
export function maskJsonSpans(
  text: string,
  matches: readonly DetectorMatch[],
  maskSpan: (match: DetectorMatch, value: string) => string | null,
): string | typeof JSON_FAIL {
  const strings = stringRanges(text);
  let out = '';
  let last = 0;
  let r = 0;
  for (const m of matches) {
    if (m.start < last) continue; // inside a token already replaced
    while (r < strings.length && strings[r + 1]! < m.start) r += 2;
    const open = r < strings.length ? strings[r]! : -1;
    const close = r < strings.length ? strings[r + 1]! : -1;
    if (open >= 0 && open < m.start && m.end <= close) {
      const mask = maskSpan(m, text.slice(m.start, m.end));
      if (mask === null) {
        out += text.slice(last, open) + 'null';
        last = close + 1;
      } else {
        out += text.slice(last, m.start) + JSON.stringify(mask).slice(1, -1);
        last = m.end;
      }
      continue;
    }
    // Outside strings: only a bare number token may be replaced (by null).
    let start = m.start;
    let end = m.end;
    while (start > last && isNumberChar(text.charCodeAt(start - 1))) start--;
    while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
    for (let i = start; i < end; i++) if (!isNumberChar(text.charCodeAt(i))) return JSON_FAIL;
    out += text.slice(last, start) + 'null';
    last = end;
  }
  return out + text.slice(last);
}

function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;
}

/** Offsets of string literal quotes as a flat [open, close, open, close, …] list. */
function stringRanges(text: string): number[] {
  const ranges: number[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('"', i);
    if (open < 0) break;
    let j = open + 1;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c === 92) j += 2;
      else if (c === 34) break;
      else j++;
    }
    ranges.push(open, Math.min(j, text.length));
    i = j + 1;
  }
  return ranges;
}
