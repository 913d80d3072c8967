import { describe, expect, it } from 'vitest';
import { createSqlClassifier } from '../classifier.js';
import { LiteralSpans } from '../literal-spans.js';
import { normalizeStatement } from '../normalize.js';
import { seeded } from '../rewrite/test-filters.js';
import { MYSQL_CORPUS } from './corpus.js';
import { MYSQL_RESERVED } from './keywords.js';
import { lexMysql } from './lexer.js';
import { scanMysqlLiteralShape } from './literal-shape.js';
import { splitMysql } from './split.js';
import { checkFragmentSoups } from '../literal-shape-soups.js';

const rules = { keywords: MYSQL_RESERVED, foldIdentifier: (word: string) => word };
const spans = new LiteralSpans();

/** The scan's redacted text, or undefined when it leaves the text to the full path. */
function mysqlLiteralShape(text: string): string | undefined {
  return scanMysqlLiteralShape(text, spans) ? spans.redacted(text) : undefined;
}

interface SeenShape {
  readonly text: string;
  readonly fingerprint: string;
  readonly segments: readonly string[];
}

/** What the full path makes of a text: lexer + splitter + normalisation. */
function fullPath(text: string) {
  const lexed = lexMysql(text);
  const ranges = splitMysql(lexed, text);
  const literals = lexed.tokens.some((token) => token.kind === 'string' || token.kind === 'number');
  const execComment = lexed.tokens.some((token) => token.kind === 'exec-comment-start');
  const single = ranges.length === 1 ? normalizeStatement(text, lexed.tokens, ranges[0]!, rules) : undefined;
  return { problems: lexed.problems.length, statements: ranges.length, literals, execComment, ...single };
}

/**
 * Wherever the scan answers, the full path must agree: one well-formed statement with a literal,
 * redacted exactly as the scan says. And one scan result must always mean one fingerprint
 * (`shapes` collects them across every text checked).
 */
function expectAgreement(text: string, shapes: Map<string, SeenShape>, previous?: SeenShape): boolean {
  const shape = mysqlLiteralShape(text);
  if (shape === undefined) return false;
  // Checked in place against a shape's segments, the text matches exactly its own shape.
  const segments = spans.segments(text);
  expect(segments.join('?')).toBe(shape);
  expect(spans.redactsTo(text, segments)).toBe(true);
  if (previous) expect({ text, matches: spans.redactsTo(text, previous.segments) }).toEqual({ text, matches: shape === previous.segments.join('?') });
  const full = fullPath(text);
  expect({
    text,
    problems: full.problems,
    statements: full.statements,
    literals: full.literals,
    execComment: full.execComment,
    redacted: full.redactedText,
  }).toEqual({ text, problems: 0, statements: 1, literals: true, execComment: false, redacted: shape });
  const seen = shapes.get(shape);
  if (seen) expect({ text, fingerprint: full.fingerprint }).toEqual({ text, fingerprint: seen.fingerprint });
  else shapes.set(shape, { text, fingerprint: full.fingerprint!, segments });
  return true;
}

const PLAIN_LITERALS = ['5', '42', '1.5', '0.25', "'x'", "'it''s'", "''", "'a?b'", "'é -- /* `'", "'\\''", "'\\\\'", '"q"', '"a""b"', '"\\""'];
/** Fragments that matter to the MySQL lexer, glued together at random: most soups are outside the scan's grammar. */
const FRAGMENTS = [
  ...PLAIN_LITERALS,
  ...['SELECT', 'select', 'FROM', 'from', 'WHERE', 'users', 'Users', 'a', 'e', 'E', 'b', 'B', 'X', 'x', 'N', 'n', '_utf8mb4', 'aid', 't1', '_x', 'abc$'],
  ...['BEGIN', 'NOT', 'ATOMIC', 'begin', 'CREATE', 'create', 'ALTER', 'PROCEDURE', 'FUNCTION', 'TRIGGER', 'EVENT', 'END', 'CASE', 'IF'],
  ...['1e5', '1E-2', '0x1F', '0X1F', '0b01', '1abc', '1.', '.5', "X'ff'", "x'ff'", "B'01'", "N'n'", "_utf8'x'", "'open", '"open', "'\\"],
  ...['`q`', '`Q x`', '`a``b`', '`a?b`', "`it's`", '`open'],
  ...['?', '@v', '@@session.x', '@', '$', '(', ')', ',', '.', '..', '[', ']', '{', '}', ';', ':', ':='],
  ...['=', '<', '>', '<=', '>=', '<>', '!=', '<=>', '+', '-', '*', '/', '%', '||', '&&', '->', '->>', '=-'],
  ...['--', '-- ', '#', '/*', '*/', '/*!', '&', '~', '|', '^', '!'],
  ...[' ', '  ', '\n', '\t', '\\', 'é', '\u00a0', '\u0000'],
];

describe('mysqlLiteralShape', () => {
  it('redacts plain OLTP statements as the full path does', () => {
    expect(mysqlLiteralShape('SELECT id, email, name FROM users WHERE id = 42;')).toBe('SELECT id, email, name FROM users WHERE id = ?');
    const shapes = new Map<string, SeenShape>();
    for (const text of [
      "  select Name, `E-Mail` from app.users u where u.id in (1, 2.5, 'x') and n <> 'it''s' or m = \"a\\\"b\" ;  \n",
      "UPDATE accounts SET balance = balance - 5, note = 'a\\'' WHERE id >= 10 AND (x % 2) != 0",
      "INSERT INTO orders (user_id, total, status) VALUES (7, 12.50, 'new')",
      'DELETE FROM sessions WHERE id = 9',
      "SELECT * FROM users WHERE email = 'user1@example.com' LIMIT 1",
      'SELECT `t`.`select` FROM `db`.`t` WHERE `t`.a$b = 1',
    ]) {
      expect(expectAgreement(text, shapes)).toBe(true);
    }
  });

  it('leaves everything outside its grammar to the full path', () => {
    for (const text of [
      'SELECT 1; SELECT 2',
      'SELECT 1;;',
      'SELECT 1 -- c',
      'SELECT 1 # c',
      'SELECT /* c */ 1',
      'SELECT /*!50700 1 */',
      "SELECT N'n'",
      "SELECT X'ff'",
      "SELECT B'01'",
      "SELECT _utf8mb4'x'",
      'SELECT _utf8mb4"x"',
      'SELECT 1e5',
      'SELECT 0x1F',
      'SELECT 0b01',
      'SELECT 1abc FROM t WHERE a = 1',
      'SELECT 1.',
      'SELECT .5',
      'SELECT t.1 FROM t WHERE a = 1',
      'SELECT 1..2',
      "SELECT 'open",
      'SELECT "open',
      'SELECT `open',
      "SELECT 'x\\",
      'SELECT a FROM t WHERE b = ?',
      'SELECT a FROM t WHERE b = @v AND c = 1',
      "GRANT ALL ON *.* TO 'u'@'h'",
      'SELECT a FROM t WHERE b=-1',
      'SELECT a FROM t WHERE b <=> 1',
      "SELECT doc->>'$.a' FROM t",
      'SELECT café FROM t WHERE b = 1',
      "SELECT 'x'y",
      "SELECT 'x'.y",
      "SELECT 'x'`y`",
      'SELECT a FROM t WHERE b = \\N',
      'BEGIN NOT ATOMIC SELECT 1;',
      'CREATE PROCEDURE p() SELECT 1;',
      '(SELECT 1);',
      "'x' CREATE PROCEDURE p() BEGIN SELECT 1;",
      'START TRANSACTION',
      '',
      '   ',
    ]) {
      expect({ text, shape: mysqlLiteralShape(text) }).toEqual({ text, shape: undefined });
    }
  });

  it('agrees with the full path over the MySQL corpus and literal variants of it', () => {
    const shapes = new Map<string, SeenShape>();
    const random = seeded(5);
    let answered = 0;
    for (const { sql } of MYSQL_CORPUS) {
      const variants = [
        sql,
        sql.replace(/\b\d+\b/g, () => String(Math.floor(random() * 1000))),
        sql.replace(/'[^']*'/g, () => PLAIN_LITERALS[Math.floor(random() * PLAIN_LITERALS.length)]!),
      ];
      for (const text of variants) if (expectAgreement(text, shapes)) answered++;
    }
    expect(answered).toBeGreaterThan(50);
  });

  it('agrees with the full path on seeded fragment soups (a shape never has two fingerprints)', () => {
    const shapes = new Map<string, SeenShape>();
    const answered = checkFragmentSoups<SeenShape>(20261127, 30_000, FRAGMENTS, PLAIN_LITERALS, (text, previous) =>
      expectAgreement(text, shapes, previous) ? shapes.get(mysqlLiteralShape(text)!)! : undefined,
    );
    // Enough soups fall inside the grammar for the check to mean something.
    expect(answered).toBeGreaterThan(5_000);
  });

  it('lets the classifier answer by literal shape exactly as its uncached full path does', async () => {
    const classifier = await createSqlClassifier();
    const cold = await createSqlClassifier({ cacheEntries: 0 });
    const random = seeded(12);
    const context = { dialect: 'mysql', database: 'app' } as const;
    for (let round = 0; round < 3; round++) {
      for (const { sql } of MYSQL_CORPUS) {
        const text = round === 0 ? sql : sql.replace(/\b\d+\b/g, () => String(Math.floor(random() * 10_000))).replace(/'[^']*'/g, () => `'v${round}'`);
        const cached = classifier.classify(text, context);
        const expected = cold.classify(text, context);
        expect({ text, actions: cached }).toStrictEqual({ text, actions: expected });
        expect(JSON.stringify(cached)).toBe(JSON.stringify(expected));
      }
    }
    // The corpus's literal-varying statements were answered by shape.
    expect(classifier.stats.fingerprintHits).toBeGreaterThan(50);
  });
});
