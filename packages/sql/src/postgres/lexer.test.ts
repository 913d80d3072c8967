import { describe, expect, it } from 'vitest';
import { splitOnSemicolons } from '../lexer/statement-ranges.js';
import type { LexResult } from '../lexer/token.js';
import { normalizeStatement } from '../normalize.js';
import { foldPostgresIdentifier, POSTGRES_KEYWORDS } from './keywords.js';
import { lexPostgres } from './lexer.js';

const rules = { keywords: POSTGRES_KEYWORDS, foldIdentifier: foldPostgresIdentifier };

function kinds(text: string): [string, string][] {
  return lexPostgres(text).tokens.map((t) => [t.kind, text.slice(t.start, t.end)]);
}

function statements(text: string): string[] {
  const lexed = lexPostgres(text);
  return splitOnSemicolons(lexed.tokens, text).map((r) => text.slice(r.start, r.end));
}

/** Tokens in order, inside the text, non-empty, non-overlapping, and no non-space text skipped. */
function expectWellFormed(text: string, lexed: LexResult): void {
  let previous = 0;
  for (const token of lexed.tokens) {
    expect(token.start).toBeGreaterThanOrEqual(previous);
    expect(token.end).toBeGreaterThan(token.start);
    expect(token.end).toBeLessThanOrEqual(text.length);
    expect(text.slice(previous, token.start)).toMatch(/^[ \t\n\r\f\v]*$/);
    previous = token.end;
  }
  expect(text.slice(previous)).toMatch(/^[ \t\n\r\f\v]*$/);
}

describe('lexPostgres: quoting and comments', () => {
  it.each([
    ["'it''s'", 'string'],
    ["'a\\'", 'string'], // standard_conforming_strings: the backslash is literal
    ["E'\\''", 'string'],
    ["e'a\\\\'", 'string'],
    ["E'x''y'", 'string'],
    ["U&'\\0041'", 'string'],
    ["u&'x'", 'string'],
    ["B'1010'", 'string'],
    ["X'1F'", 'string'],
    ["N'nat'", 'string'],
    ['$$a;b$$', 'string'],
    ['$tag$ $$ ; $other$ $tag$', 'string'],
    ['$_t1$x$_t1$', 'string'],
    ['"a""b"', 'quoted-ident'],
    ['U&"d\\0061t\\+000061"', 'quoted-ident'],
    ['/* a /* nested */ still */', 'comment'],
    ['-- line', 'comment'],
  ])('%s is one %s token', (text, kind) => {
    const lexed = lexPostgres(text);
    expect(lexed.problems).toEqual([]);
    expect(lexed.tokens).toHaveLength(1);
    expect(lexed.tokens[0]).toMatchObject({ kind, start: 0, end: text.length });
  });

  it('resolves quoted identifiers and keeps words as written; literals carry no value', () => {
    const [ident, word, str] = lexPostgres('"a""B" FooBar \'secret\'').tokens;
    expect(ident?.value).toBe('a"B');
    expect(word?.value).toBe('FooBar');
    expect(str?.value).toBeUndefined();
    expect(lexPostgres('U&"d\\0061t\\+000061"').tokens[0]?.value).toBe('data');
  });

  it('tells parameters, dollar quotes and identifiers with $ apart', () => {
    expect(kinds('$1 a$b$c $$x$$ $t$y$t$')).toEqual([
      ['param', '$1'],
      ['word', 'a$b$c'],
      ['string', '$$x$$'],
      ['string', '$t$y$t$'],
    ]);
  });

  it('lexes numbers', () => {
    expect(kinds('1e10 .5 0x1F 1_000 1.5e-3 0o17 0b101 42')).toEqual(
      ['1e10', '.5', '0x1F', '1_000', '1.5e-3', '0o17', '0b101', '42'].map((n) => ['number', n]),
    );
    expect(kinds('1..5')).toEqual([
      ['number', '1'],
      ['operator', '..'],
      ['number', '5'],
    ]);
  });

  it('lexes operators as the server does', () => {
    expect(kinds("a::int ->> 'k' @> b <= c != d || e := f")).toEqual([
      ['word', 'a'],
      ['operator', '::'],
      ['word', 'int'],
      ['operator', '->>'],
      ['string', "'k'"],
      ['operator', '@>'],
      ['word', 'b'],
      ['operator', '<='],
      ['word', 'c'],
      ['operator', '!='],
      ['word', 'd'],
      ['operator', '||'],
      ['word', 'e'],
      ['operator', ':='],
      ['word', 'f'],
    ]);
    // A trailing + or - is split off unless the operator holds ~ ! @ # % ^ & | ` ?
    expect(kinds('a=-1')).toEqual([
      ['word', 'a'],
      ['operator', '='],
      ['operator', '-'],
      ['number', '1'],
    ]);
    expect(kinds('a @- b')[1]).toEqual(['operator', '@-']);
    // `--` and `/*` inside an operator run start comments
    expect(kinds('a +-- c')).toEqual([
      ['word', 'a'],
      ['operator', '+'],
      ['comment', '-- c'],
    ]);
    expect(kinds('a */* c */')).toEqual([
      ['word', 'a'],
      ['operator', '*'],
      ['comment', '/* c */'],
    ]);
  });

  it('treats non-ASCII characters (even U+00A0) as identifier characters, as PostgreSQL does', () => {
    expect(kinds('SELECT\u00a01')).toEqual([['word', 'SELECT\u00a01']]);
    expect(kinds('café😀 x')).toEqual([
      ['word', 'café😀'],
      ['word', 'x'],
    ]);
  });

  it('splits only on top-level semicolons', () => {
    expect(statements("SELECT ';'; SELECT 2")).toEqual(["SELECT ';'", 'SELECT 2']);
    expect(statements("SELECT E'\\';'; SELECT 2")).toEqual(["SELECT E'\\';'", 'SELECT 2']);
    expect(statements("SELECT 'a\\'; SELECT 2")).toEqual(["SELECT 'a\\'", 'SELECT 2']);
    expect(statements('SELECT $$;$$; SELECT $t$ ; $$ ; $t$')).toEqual(['SELECT $$;$$', 'SELECT $t$ ; $$ ; $t$']);
    expect(statements('SELECT "a;b"; SELECT 2')).toEqual(['SELECT "a;b"', 'SELECT 2']);
    expect(statements('SELECT 1 /* ; /* ; */ ; */; SELECT 2')).toEqual(['SELECT 1', 'SELECT 2']);
    expect(statements('SELECT 1 -- ;\n; SELECT 2')).toEqual(['SELECT 1', 'SELECT 2']);
    expect(statements("SELECT U&'a;b', B'1', X'2'; SELECT 2")).toEqual(["SELECT U&'a;b', B'1', X'2'", 'SELECT 2']);
    expect(statements("SELECT B'1'';'")).toEqual(["SELECT B'1'';'"]);
  });
});

describe('lexPostgres: unterminated input', () => {
  it.each([
    ["SELECT 'abc", 'unterminated-string'],
    ["SELECT E'ab\\'", 'unterminated-string'],
    ["SELECT B'10", 'unterminated-string'],
    ["SELECT U&'x", 'unterminated-string'],
    ['SELECT $$abc', 'unterminated-string'],
    ['SELECT $q$abc$q', 'unterminated-string'],
    ['SELECT "abc', 'unterminated-identifier'],
    ['SELECT U&"abc', 'unterminated-identifier'],
    ['SELECT 1 /* abc', 'unterminated-comment'],
    ['SELECT 1 /* a /* b */', 'unterminated-comment'],
  ])('%s → a token to the end and %s', (text, problem) => {
    const lexed = lexPostgres(text);
    expect(lexed.problems.map((p) => p.kind)).toEqual([problem]);
    expect(lexed.tokens.at(-1)?.end).toBe(text.length);
    expectWellFormed(text, lexed);
  });

  it('reports characters the server has no use for', () => {
    expect(lexPostgres('SELECT 1 \\gset').problems.map((p) => p.kind)).toEqual(['invalid-character']);
    expect(lexPostgres('SELECT $ 1').problems.map((p) => p.kind)).toEqual(['invalid-character']);
    expect(lexPostgres('SELECT 1\0').problems.map((p) => p.kind)).toEqual(['invalid-character']);
  });

  it('lexes every prefix of statements with every quoting form without throwing', () => {
    const samples = [
      "SELECT E'a\\'b', 'c''d', $t$ x $t$, \"q\"\"i\", U&'\\0041', B'1', X'F' FROM t /* a /* b */ */ -- c\n; SELECT 1",
      'SELECT $1::int, a->>\'k\', 0x1F, 1_000, .5e3 FROM "T" WHERE b @> c;',
    ];
    for (const sample of samples) {
      for (let cut = 0; cut <= sample.length; cut++) {
        const prefix = sample.slice(0, cut);
        const lexed = lexPostgres(prefix);
        expectWellFormed(prefix, lexed);
      }
    }
  });
});

describe('lexPostgres: fuzz', () => {
  // A small deterministic PRNG so failures reproduce.
  function rng(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state * 1664525 + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
  }
  const FRAGMENTS = [
    'SELECT', ' ', 'FROM', 't', "'", '"', '$', '$$', '$a$', 'E', 'U&', 'B', 'X', '\\', '/*', '*/', '--', '\n',
    ';', '(', ')', '::', '->>', '1', '.5', '0x', '_', 'é', '😀', '\u00a0', '\0', '{', '@', '-', '+', '?',
  ];

  it('never throws and always returns well-formed tokens for random and mutated SQL', () => {
    const random = rng(42);
    for (let round = 0; round < 3000; round++) {
      let text = '';
      const parts = Math.floor(random() * 25);
      for (let i = 0; i < parts; i++) text += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)];
      const lexed = lexPostgres(text);
      expectWellFormed(text, lexed);
    }
    const base = "SELECT a, 'x''y', $q$z$q$, E'\\n' FROM \"t\" WHERE b = $1 /* c */ -- d";
    for (let round = 0; round < 2000; round++) {
      const at = Math.floor(random() * base.length);
      const insert = FRAGMENTS[Math.floor(random() * FRAGMENTS.length)]!;
      const text = base.slice(0, at) + insert + base.slice(at + Math.floor(random() * 3));
      expectWellFormed(text, lexPostgres(text));
    }
  });

  it('never lets a random literal into the redacted text', () => {
    const random = rng(7);
    const alphabet = "abcXYZ019 ;'\"$\\/*-\n\té😀";
    for (let round = 0; round < 1500; round++) {
      let secret = 'zq';
      const length = 4 + Math.floor(random() * 16);
      for (let i = 0; i < length; i++) secret += alphabet[Math.floor(random() * alphabet.length)];
      const forms = [
        `'${secret.replaceAll("'", "''")}'`,
        `E'${secret.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`,
        `$zz$${secret.replaceAll('$zz$', '')}$zz$`,
        `U&'${secret.replaceAll("'", "''")}'`,
      ];
      const literal = forms[round % forms.length]!;
      const text = `SELECT ${literal} AS v FROM t WHERE id = 1`;
      const lexed = lexPostgres(text);
      expect(lexed.problems).toEqual([]);
      const ranges = splitOnSemicolons(lexed.tokens, text);
      expect(ranges).toHaveLength(1);
      const { redactedText, fingerprint } = normalizeStatement(text, lexed.tokens, ranges[0]!, rules);
      const probe = secret.slice(0, 6);
      expect(redactedText.includes(probe)).toBe(false);
      expect(fingerprint.includes(probe)).toBe(false);
    }
  });
});
