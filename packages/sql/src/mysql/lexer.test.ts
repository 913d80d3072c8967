import { describe, expect, it } from 'vitest';
import type { LexResult } from '../lexer/token.js';
import { normalizeStatement } from '../normalize.js';
import { MYSQL_RESERVED } from './keywords.js';
import { lexMysql } from './lexer.js';
import { splitMysql } from './split.js';

function kinds(text: string): Array<[string, string]> {
  return lexMysql(text).tokens.map((t) => [t.kind, text.slice(t.start, t.end)]);
}

function problems(text: string): string[] {
  return lexMysql(text).problems.map((p) => p.kind);
}

/** Tokens in order, non-overlapping, in bounds, and every non-space character inside a token. */
function expectWellFormed(text: string, lexed: LexResult): void {
  let previousEnd = 0;
  for (const token of lexed.tokens) {
    expect(token.start).toBeGreaterThanOrEqual(previousEnd);
    expect(token.end).toBeGreaterThan(token.start);
    expect(token.end).toBeLessThanOrEqual(text.length);
    expect(text.slice(previousEnd, token.start)).toMatch(/^[ \t\n\v\f\r]*$/);
    previousEnd = token.end;
  }
  expect(text.slice(previousEnd)).toMatch(/^[ \t\n\v\f\r]*$/);
}

describe('lexMysql', () => {
  it('lexes strings with backslash escapes and doubled quotes, both quote kinds', () => {
    expect(kinds(`'a\\'b' 'it''s' "x\\"y" "a""b" ''`)).toEqual([
      ['string', `'a\\'b'`],
      ['string', `'it''s'`],
      ['string', `"x\\"y"`],
      ['string', `"a""b"`],
      ['string', `''`],
    ]);
    expect(kinds(`'a\\\\' x`)).toEqual([
      ['string', `'a\\\\'`],
      ['word', 'x'],
    ]);
  });

  it('lexes backtick identifiers with doubled backticks resolved', () => {
    const lexed = lexMysql('`a``b` `select`');
    expect(lexed.tokens.map((t) => [t.kind, t.value])).toEqual([
      ['quoted-ident', 'a`b'],
      ['quoted-ident', 'select'],
    ]);
  });

  it('lexes literal prefixes as one string: N, X, B and charset introducers', () => {
    expect(kinds(`N'x' X'1F' x'1f' b'01' B'1' _utf8mb4'x' _binary"y" _latin1 'z'`)).toEqual([
      ['string', `N'x'`],
      ['string', `X'1F'`],
      ['string', `x'1f'`],
      ['string', `b'01'`],
      ['string', `B'1'`],
      ['string', `_utf8mb4'x'`],
      ['string', `_binary"y"`],
      ['word', '_latin1'],
      ['string', `'z'`],
    ]);
  });

  it('lexes numbers: integers, decimals, exponents, hex and binary', () => {
    expect(kinds('1 1.5 .5 1e3 1E-2 2.5e+4 0x1F 0b01 1.')).toEqual(
      ['1', '1.5', '.5', '1e3', '1E-2', '2.5e+4', '0x1F', '0b01', '1.'].map((n) => ['number', n]),
    );
  });

  it('lexes identifiers that start with digits as words (123abc, 0x1G, 0X1F, 1e)', () => {
    expect(kinds('123abc 0x1G 0X1F 1e 0b2')).toEqual([
      ['word', '123abc'],
      ['word', '0x1G'],
      ['word', '0X1F'],
      ['word', '1e'],
      ['word', '0b2'],
    ]);
  });

  it('lexes a name after `x.` as an identifier, even a reserved word or digits', () => {
    expect(kinds('db.select t.1a a.`b`')).toEqual([
      ['word', 'db'],
      ['punct', '.'],
      ['quoted-ident', 'select'],
      ['word', 't'],
      ['punct', '.'],
      ['quoted-ident', '1a'],
      ['word', 'a'],
      ['punct', '.'],
      ['quoted-ident', '`b`'],
    ]);
  });

  it('lexes comments: #, -- with space or control, /* */ (not nested), hints', () => {
    expect(kinds('a # c\nb -- c\nd --\te /* x /* y */ f /*+ HINT */ --')).toEqual([
      ['word', 'a'],
      ['comment', '# c'],
      ['word', 'b'],
      ['comment', '-- c'],
      ['word', 'd'],
      ['comment', '--\te /* x /* y */ f /*+ HINT */ --'],
    ]);
    expect(kinds('a /* x /* y */ b')).toEqual([
      ['word', 'a'],
      ['comment', '/* x /* y */'],
      ['word', 'b'],
    ]);
    expect(kinds('/*+ BKA(t) */')).toEqual([['comment', '/*+ BKA(t) */']]);
  });

  it('lexes --x and 2--1 as minus signs, not comments', () => {
    expect(kinds('1--x')).toEqual([
      ['number', '1'],
      ['operator', '-'],
      ['operator', '-'],
      ['word', 'x'],
    ]);
  });

  it('lexes executable comments as start marker, inner tokens, end marker', () => {
    expect(kinds('/*!50000 DROP TABLE t */ /*! SELECT*/ /*M!100100 x */ /*M! y*/ /*!500001 z */')).toEqual([
      ['exec-comment-start', '/*!50000'],
      ['word', 'DROP'],
      ['word', 'TABLE'],
      ['word', 't'],
      ['exec-comment-end', '*/'],
      ['exec-comment-start', '/*!'],
      ['word', 'SELECT'],
      ['exec-comment-end', '*/'],
      ['exec-comment-start', '/*M!100100'],
      ['word', 'x'],
      ['exec-comment-end', '*/'],
      ['exec-comment-start', '/*M!'],
      ['word', 'y'],
      ['exec-comment-end', '*/'],
      ['exec-comment-start', '/*!500001'],
      ['word', 'z'],
      ['exec-comment-end', '*/'],
    ]);
    expect(problems('/*!50000 SELECT 1 */')).toEqual([]);
  });

  it('keeps strings inside executable comments whole, even with */ in them', () => {
    expect(kinds(`/*! SELECT '*/' */`)).toEqual([
      ['exec-comment-start', '/*!'],
      ['word', 'SELECT'],
      ['string', `'*/'`],
      ['exec-comment-end', '*/'],
    ]);
  });

  it('reports doubtful executable comments: unterminated, odd version digits, nested comments', () => {
    expect(problems('/*!50000 SELECT 1')).toEqual(['unterminated-comment']);
    expect(problems('/*!123 SELECT 1 */')).toEqual(['invalid-character']);
    expect(problems('/*!50000 SELECT 1 /* x */ */')).toEqual(['invalid-character']);
    expect(problems('/*!50000 SELECT 1 -- x\n */')).toEqual(['invalid-character']);
    expect(problems('/*!50000 SELECT 1 # */\n */')).toEqual(['invalid-character']);
  });

  it('lexes variables and parameters', () => {
    expect(kinds('@x @@global.sql_mode @@version @a.b$c ? @')).toEqual([
      ['variable', '@x'],
      ['variable', '@@global.sql_mode'],
      ['variable', '@@version'],
      ['variable', '@a.b$c'],
      ['param', '?'],
      ['operator', '@'],
    ]);
    expect(kinds(`'bob'@'%'`)).toEqual([
      ['string', `'bob'`],
      ['operator', '@'],
      ['string', `'%'`],
    ]);
  });

  it('lexes multi-character operators', () => {
    expect(kinds('a:=b<=>c->d->>e&&f||g<=h>=i<>j!=k<<l>>m').filter(([k]) => k === 'operator').map(([, t]) => t)).toEqual([
      ':=',
      '<=>',
      '->',
      '->>',
      '&&',
      '||',
      '<=',
      '>=',
      '<>',
      '!=',
      '<<',
      '>>',
    ]);
  });

  it('treats U+0080 and above as identifier characters (NBSP does not separate words)', () => {
    expect(kinds('DROP\u00a0TABLE t')).toEqual([
      ['word', 'DROP\u00a0TABLE'],
      ['word', 't'],
    ]);
    expect(kinds('SELECT été')).toEqual([
      ['word', 'SELECT'],
      ['word', 'été'],
    ]);
  });

  it('runs unterminated forms to the end with a problem, opener split off', () => {
    for (const [text, problem] of [
      [`SELECT 'abc`, 'unterminated-string'],
      [`SELECT "abc`, 'unterminated-string'],
      [`SELECT 'abc\\'`, 'unterminated-string'],
      ['SELECT `abc', 'unterminated-identifier'],
      ['SELECT 1 /* abc', 'unterminated-comment'],
    ] as const) {
      const lexed = lexMysql(text);
      expect(lexed.problems.map((p) => p.kind), text).toEqual([problem]);
      expect(lexed.tokens.at(-1)!.end).toBe(text.length);
      expectWellFormed(text, lexed);
    }
  });

  it('reports stray characters as invalid', () => {
    expect(problems('\\! ls')).toEqual(['invalid-character']);
    expect(problems('SELECT 1\u0000')).toEqual(['invalid-character']);
  });

  it('lexes every prefix of tricky statements without throwing (split chunks)', () => {
    const samples = [
      `SELECT 'a\\'b', "c""d", \`e\`\`f\` FROM t -- x\n# y\n/* z */`,
      `/*!50000 SELECT 1 */ /*M!100100 x */ N'n' X'1F' b'01' _utf8mb4'u' 0x1F 0b01 1e3 .5`,
      `SET @a := @@global.x; SELECT a->>'$.k', b<=>c FROM t WHERE d = ?`,
    ];
    for (const sample of samples) {
      for (let k = 0; k <= sample.length; k++) {
        const chunk = sample.slice(0, k);
        expectWellFormed(chunk, lexMysql(chunk));
      }
    }
  });

  it('never throws on random and mutated input, and redaction hides random literals', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = `abcXYZ019 _$.,;()'"\`\\#-/*!+@?:=<>|&\n\t\u00e9\u00a0M`;
    const base = `SELECT a, 'lit' FROM t WHERE b = "x" /*!50000 AND c = 1 */ -- end\n# h\n`;
    for (let i = 0; i < 400; i++) {
      let text = '';
      if (i % 2 === 0) {
        for (let k = 0; k < 40; k++) text += alphabet[random(alphabet.length)];
      } else {
        const chars = [...base];
        for (let k = 0; k < 4; k++) chars.splice(random(chars.length), random(2), alphabet[random(alphabet.length)]!);
        text = chars.join('');
      }
      expectWellFormed(text, lexMysql(text));
    }
    for (let i = 0; i < 200; i++) {
      let secret = 'S';
      for (let k = 0; k < 12; k++) secret += 'qwertyuiopZXCV0123'[random(18)];
      const quote = [`'`, `"`][random(2)]!;
      const escaped = i % 3 === 0 ? `${secret}\\${quote}${quote}${quote}x` : secret;
      const text = `SELECT a FROM t WHERE b = ${quote}${escaped}${quote} AND c = ${random(100000)}`;
      const lexed = lexMysql(text);
      for (const range of splitMysql(lexed, text)) {
        const normalized = normalizeStatement(text, lexed.tokens, range, { keywords: MYSQL_RESERVED, foldIdentifier: (w) => w });
        expect(normalized.redactedText).not.toContain(secret);
        expect(normalized.fingerprint).not.toContain(secret);
      }
    }
  });
});

describe('splitMysql', () => {
  function statements(text: string): string[] {
    const lexed = lexMysql(text);
    return splitMysql(lexed, text).map((r) => text.slice(r.start, r.end));
  }

  it('splits on top-level semicolons, not inside strings or comments', () => {
    expect(statements(`SELECT ';'; SELECT 2 /* ; */; -- ;\n SELECT 3;`)).toEqual([`SELECT ';'`, 'SELECT 2', 'SELECT 3']);
  });

  it('keeps stored-program bodies whole', () => {
    expect(statements('CREATE PROCEDURE p() BEGIN SELECT 1; IF a THEN SELECT 2; END IF; END; SELECT 3')).toEqual([
      'CREATE PROCEDURE p() BEGIN SELECT 1; IF a THEN SELECT 2; END IF; END',
      'SELECT 3',
    ]);
    expect(statements('BEGIN NOT ATOMIC SELECT 1; END; SELECT 2')).toEqual(['BEGIN NOT ATOMIC SELECT 1; END', 'SELECT 2']);
  });

  it('does not treat a table named event as a stored program', () => {
    expect(statements('CREATE TABLE event (begin INT); DROP TABLE u')).toEqual(['CREATE TABLE event (begin INT)', 'DROP TABLE u']);
  });
});
