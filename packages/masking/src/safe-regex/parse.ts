import { CustomDetectorError } from '../errors.js';

/** A set of UTF-16 code units, as a predicate. */
export type CharTest = (c: number) => boolean;

export type RegexNode =
  | { readonly t: 'char'; readonly test: CharTest }
  | { readonly t: 'cat'; readonly items: readonly RegexNode[] }
  | { readonly t: 'alt'; readonly alts: readonly RegexNode[] }
  | { readonly t: 'rep'; readonly node: RegexNode; readonly min: number; readonly max: number }
  | { readonly t: 'assert'; readonly kind: 'start' | 'end' | 'word' | 'nonword' };

export interface ParsedRegex {
  readonly node: RegexNode;
  readonly ignoreCase: boolean;
}

export const MAX_PATTERN_LENGTH = 1000;
export const MAX_REPEAT = 1000;
const INFINITE = -1;

const isDigit: CharTest = (c) => c >= 48 && c <= 57;
const isWord: CharTest = (c) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace: CharTest = (c) =>
  c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
const not =
  (f: CharTest): CharTest =>
  (c) =>
    !f(c);

/**
 * Parses the regex subset custom detectors may use: literals, escapes (\d \w \s \b, \xHH, \uHHHH),
 * classes, '.', groups, alternation, quantifiers (*, +, ?, {n,m}; lazy suffixes accepted, matching
 * is leftmost-longest anyway), ^ and $, and a leading (?i). Backreferences and lookaround cannot be
 * run in linear time, so they are refused with an error that says so.
 */
export function parseRegex(detector: string, source: string): ParsedRegex {
  if (source.length === 0) throw new CustomDetectorError(detector, 'the regex is empty.');
  if (source.length > MAX_PATTERN_LENGTH) {
    throw new CustomDetectorError(detector, `the regex is longer than ${MAX_PATTERN_LENGTH} characters.`);
  }
  let pos = 0;
  let ignoreCase = false;
  if (source.startsWith('(?i)')) {
    ignoreCase = true;
    pos = 4;
  }
  const fail = (what: string): never => {
    throw new CustomDetectorError(detector, `${what} at offset ${pos} of /${source}/.`);
  };

  const parseAlt = (): RegexNode => {
    const alts: RegexNode[] = [parseCat()];
    while (source[pos] === '|') {
      pos++;
      alts.push(parseCat());
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  };

  const parseCat = (): RegexNode => {
    const items: RegexNode[] = [];
    while (pos < source.length && source[pos] !== '|' && source[pos] !== ')') items.push(parseRepeat());
    return items.length === 1 ? items[0]! : { t: 'cat', items };
  };

  const parseRepeat = (): RegexNode => {
    let node = parseAtom();
    for (;;) {
      const ch = source[pos];
      let min: number;
      let max: number;
      if (ch === '*') [min, max] = [0, INFINITE];
      else if (ch === '+') [min, max] = [1, INFINITE];
      else if (ch === '?') [min, max] = [0, 1];
      else if (ch === '{' && /^\{\d+(,\d*)?\}/.test(source.slice(pos))) {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(pos))!;
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? INFINITE : Number(m[3]);
        if (min > MAX_REPEAT || max > MAX_REPEAT) fail(`a repeat count above ${MAX_REPEAT}`);
        if (max !== INFINITE && max < min) fail('a repeat {n,m} with m < n');
        pos += m[0].length - 1;
      } else return node;
      pos++;
      if (source[pos] === '?') pos++; // lazy: same language, leftmost-longest spans
      if (node.t === 'assert') fail('a quantified assertion');
      node = { t: 'rep', node, min, max };
    }
  };

  const parseAtom = (): RegexNode => {
    const ch = source[pos]!;
    if (ch === '(') {
      pos++;
      if (source[pos] === '?') {
        const next = source[pos + 1];
        if (next === ':') pos += 2;
        else if (next === '<' && source[pos + 2] !== '=' && source[pos + 2] !== '!') {
          const close = source.indexOf('>', pos);
          if (close < 0) fail('an unterminated group name');
          pos = close + 1;
        } else if (next === '=' || next === '!' || next === '<') {
          fail('lookaround ((?=, (?!, (?<=, (?<!) is not supported: it cannot be matched in linear time');
        } else fail('an unsupported group modifier');
      }
      const inner = parseAlt();
      if (source[pos] !== ')') fail('a missing ")"');
      pos++;
      return inner;
    }
    if (ch === ')') fail('an unmatched ")"');
    if (ch === '[') return parseClass();
    if (ch === '.') {
      pos++;
      return { t: 'char', test: (c) => c !== 10 && c !== 13 && c !== 0x2028 && c !== 0x2029 };
    }
    if (ch === '^') {
      pos++;
      return { t: 'assert', kind: 'start' };
    }
    if (ch === '$') {
      pos++;
      return { t: 'assert', kind: 'end' };
    }
    if (ch === '*' || ch === '+' || ch === '?' || ch === '{') fail('a quantifier with nothing to repeat');
    if (ch === '\\') {
      const esc = parseEscape(false);
      if (typeof esc === 'string') return { t: 'assert', kind: esc };
      if (typeof esc === 'number') return { t: 'char', test: (c) => c === esc };
      return { t: 'char', test: esc };
    }
    pos++;
    const code = ch.charCodeAt(0);
    return { t: 'char', test: (c) => c === code };
  };

  const parseClass = (): RegexNode => {
    pos++;
    let negate = false;
    if (source[pos] === '^') {
      negate = true;
      pos++;
    }
    const tests: CharTest[] = [];
    let first = true;
    while (pos < source.length && (source[pos] !== ']' || first)) {
      first = false;
      const lo = classAtom();
      if (source[pos] === '-' && source[pos + 1] !== ']' && pos + 1 < source.length) {
        pos++;
        const hi = classAtom();
        if (typeof lo !== 'number' || typeof hi !== 'number') fail('a range with a class escape');
        if ((hi as number) < (lo as number)) fail('an out-of-order range');
        const [a, b] = [lo as number, hi as number];
        tests.push((c) => c >= a && c <= b);
      } else if (typeof lo === 'number') tests.push((c) => c === lo);
      else tests.push(lo);
    }
    if (source[pos] !== ']') fail('an unterminated character class');
    pos++;
    const any: CharTest = (c) => {
      for (const t of tests) if (t(c)) return true;
      return false;
    };
    return { t: 'char', test: negate ? not(any) : any };
  };

  /** A class member: a code unit, or a class escape's predicate. */
  const classAtom = (): number | CharTest => {
    if (source[pos] === '\\') {
      const esc = parseEscape(true);
      if (typeof esc === 'string') return fail('an assertion inside a class');
      return esc;
    }
    return source.charCodeAt(pos++);
  };

  /** After '\\': a predicate, an assertion kind, or (inside classes) a single code unit as number. */
  const parseEscape = (inClass: boolean): CharTest | 'word' | 'nonword' | number => {
    pos++;
    const e = source[pos++];
    if (e === undefined) return fail('a trailing backslash');
    switch (e) {
      case 'd':
        return isDigit;
      case 'D':
        return not(isDigit);
      case 'w':
        return isWord;
      case 'W':
        return not(isWord);
      case 's':
        return isSpace;
      case 'S':
        return not(isSpace);
      case 'b':
        return inClass ? literal(8) : 'word';
      case 'B':
        return inClass ? fail('\\B inside a class') : 'nonword';
      case 't':
        return literal(9);
      case 'n':
        return literal(10);
      case 'r':
        return literal(13);
      case 'f':
        return literal(12);
      case 'v':
        return literal(11);
      case '0':
        return literal(0);
      case 'x':
      case 'u': {
        const width = e === 'x' ? 2 : 4;
        const hex = source.slice(pos, pos + width);
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== width) fail(`a malformed \\${e} escape`);
        pos += width;
        return literal(parseInt(hex, 16));
      }
      case 'k':
        return fail('a backreference (\\k<name>) is not supported: it cannot be matched in linear time');
      case 'p':
      case 'P':
        return fail('Unicode property escapes are not supported');
      default:
        if (e >= '1' && e <= '9') {
          return fail('a backreference (\\1 …) is not supported: it cannot be matched in linear time');
        }
        if (/[A-Za-z]/.test(e)) return fail(`an unknown escape \\${e}`);
        return literal(e.charCodeAt(0));
    }

    function literal(code: number): CharTest | number {
      return inClass ? code : (c: number) => c === code;
    }
  };

  const node = parseAlt();
  if (pos < source.length) fail('an unmatched ")"');
  return { node, ignoreCase };
}
