import { describe, expect, it } from 'vitest';
import { normalizeStatement } from '../normalize.js';
import type { Token } from '../lexer/token.js';
import { MSSQL_KEYWORDS } from './keywords.js';
import { lexMssql } from './lexer.js';

const rules = { keywords: MSSQL_KEYWORDS, foldIdentifier: (word: string) => word };

function kinds(text: string): Array<[string, string]> {
  return lexMssql(text).tokens.map((t) => [t.kind, text.slice(t.start, t.end)]);
}

describe('lexMssql', () => {
  it('lexes each quoting and comment form', () => {
    const cases: Array<[string, string, string?]> = [
      ["'it''s'", 'string'],
      ["N'unicode ''x'''", 'string'],
      ["n'lower'", 'string'],
      ['[my ]] table]', 'quoted-ident', 'my ] table'],
      ['"quoted ""id"""', 'quoted-ident', 'quoted "id"'],
      ['-- line comment', 'comment'],
      ['/* a /* nested */ still comment */', 'comment'],
      ['0x1F2e', 'number'],
      ['1e5', 'number'],
      ['1.5E-3', 'number'],
      ['.5', 'number'],
      ['$12.50', 'number'],
      ['@param', 'variable'],
      ['@@ROWCOUNT', 'variable'],
      ['#temp', 'word', '#temp'],
      ['##global', 'word', '##global'],
      ['$PARTITION', 'word', '$PARTITION'],
      ['naïve', 'word', 'naïve'],
    ];
    for (const [text, kind, value] of cases) {
      const { tokens, problems } = lexMssql(text);
      expect(problems, text).toEqual([]);
      expect(tokens, text).toHaveLength(1);
      expect(tokens[0]!.kind, text).toBe(kind);
      expect(tokens[0]!.end, text).toBe(text.length);
      if (value !== undefined) expect(tokens[0]!.value, text).toBe(value);
      if (kind === 'string' || kind === 'number') expect(tokens[0]!.value, text).toBeUndefined();
    }
  });

  it('has no backslash escapes in strings', () => {
    expect(kinds("'a\\' + 'b'")).toEqual([
      ['string', "'a\\'"],
      ['operator', '+'],
      ['string', "'b'"],
    ]);
  });

  it('lexes two-character operators', () => {
    const ops = ['+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '::', '!=', '!<', '!>', '<>', '<=', '>='];
    for (const op of ops) expect(kinds(`a ${op} b`)[1], op).toEqual(['operator', op]);
  });

  it('treats a string prefix N only when the quote follows directly', () => {
    expect(kinds("N 'x'").map((k) => k[0])).toEqual(['word', 'string']);
    expect(kinds("xN'x'").map((k) => k[0])).toEqual(['word', 'string']);
  });

  it('runs unterminated forms to the end with a problem', () => {
    const cases: Array<[string, string]> = [
      ["SELECT 'abc", 'unterminated-string'],
      ["SELECT N'abc''", 'unterminated-string'],
      ['SELECT [abc', 'unterminated-identifier'],
      ['SELECT "abc', 'unterminated-identifier'],
      ['SELECT /* a /* b */ c', 'unterminated-comment'],
    ];
    for (const [text, problem] of cases) {
      const { tokens, problems } = lexMssql(text);
      expect(problems.map((p) => p.kind), text).toEqual([problem]);
      expect(tokens.at(-1)!.end, text).toBe(text.length);
    }
  });

  it('reports characters T-SQL does not know', () => {
    for (const text of ['SELECT ?', 'SELECT `a`', 'SELECT a\\b', 'SELECT\u00a01']) {
      expect(lexMssql(text).problems.map((p) => p.kind), text).toContain('invalid-character');
    }
  });

  it('keeps keywords inside strings, identifiers and comments out of word tokens', () => {
    const text = "SELECT 'DROP TABLE x', [delete], \"update\" /* DROP */ -- EXEC\n FROM t";
    const words = lexMssql(text)
      .tokens.filter((t) => t.kind === 'word')
      .map((t) => t.value);
    expect(words).toEqual(['SELECT', 'FROM', 't']);
  });

  it('cut at every offset: a prefix lexes like the whole up to the token the cut falls in', () => {
    const text = "SELECT [a]]b], N'x''y' /* c /* d */ */ FROM t -- e\nWHERE id = 0x1F AND m = $1.5 AND n = 1e-3";
    const whole = lexMssql(text).tokens;
    for (let cut = 0; cut <= text.length; cut++) {
      const prefix = text.slice(0, cut);
      const tokens = lexMssql(prefix).tokens;
      assertOrdered(tokens, prefix);
      // Only the token the cut falls into may lex differently (`1e` of `1e-3`, `/` of `/*`).
      const boundary = whole.filter((t) => t.start < cut).at(-1)?.start ?? 0;
      const before = (t: Token): boolean => t.end <= boundary;
      expect(tokens.filter(before), `cut at ${cut}`).toEqual(whole.filter(before));
    }
  });

  it('fuzz: never throws, tokens ordered and non-overlapping, literals redacted', () => {
    const alphabet = ["'", '"', '[', ']', '/', '*', '-', '\n', ' ', 'N', 'a', '0', 'x', '$', '@', '.', ';', '(', ')', '#', 'é'];
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let i = 0; i < 2000; i++) {
      let text = '';
      const length = Math.floor(random() * 40);
      for (let j = 0; j < length; j++) text += alphabet[Math.floor(random() * alphabet.length)];
      const { tokens } = lexMssql(text);
      assertOrdered(tokens, text);
    }
    for (let i = 0; i < 300; i++) {
      const secret = `s3cr3t${Math.floor(random() * 1e9)}x`;
      const noise = ['', "''", ']', '*/', '--', '"'][i % 6]!;
      const text = `SELECT a FROM t WHERE b = '${secret}${noise.replaceAll("'", "''")}' AND c = N'${secret}'`;
      const lexed = lexMssql(text);
      const range = { firstToken: 0, endToken: lexed.tokens.length, start: 0, end: text.length };
      const { fingerprint, redactedText } = normalizeStatement(text, lexed.tokens, range, rules);
      expect(redactedText).not.toContain(secret);
      expect(fingerprint).not.toContain(secret);
    }
  });
});

function assertOrdered(tokens: readonly Token[], text: string): void {
  let previous = 0;
  for (const token of tokens) {
    expect(token.start).toBeGreaterThanOrEqual(previous);
    expect(token.end).toBeGreaterThan(token.start);
    expect(/^\s*$/.test(text.slice(previous, token.start))).toBe(true);
    previous = token.end;
  }
  expect(/^\s*$/.test(text.slice(previous))).toBe(true);
}
