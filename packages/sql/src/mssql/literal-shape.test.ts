import { describe, expect, it } from 'vitest';
import { createSqlClassifier } from '../classifier.js';
import { LiteralSpans } from '../literal-spans.js';
import { normalizeStatement } from '../normalize.js';
import { seeded } from '../rewrite/test-filters.js';
import { MSSQL_CORPUS } from './corpus.js';
import { MSSQL_KEYWORDS } from './keywords.js';
import { lexMssql } from './lexer.js';
import { scanMssqlLiteralShape } from './literal-shape.js';
import { splitMssql } from './split.js';
import { checkFragmentSoups } from '../literal-shape-soups.js';

const rules = { keywords: MSSQL_KEYWORDS, foldIdentifier: (word: string) => word };
const spans = new LiteralSpans();

/** The scan's redacted text, or undefined when it leaves the text to the full path. */
function mssqlLiteralShape(text: string): string | undefined {
  return scanMssqlLiteralShape(text, spans) ? spans.redacted(text) : undefined;
}

interface SeenShape {
  readonly text: string;
  /** The fingerprint when the full path reads the text as one statement redacted as the shape: what the classifier remembers. */
  readonly remembered: string | undefined;
  readonly segments: readonly string[];
}

/** What the full path makes of a text: lexer + splitter + normalisation of each statement. */
function fullPath(text: string) {
  const lexed = lexMssql(text);
  const ranges = splitMssql(lexed, text);
  const literals = lexed.tokens.some((token) => token.kind === 'string' || token.kind === 'number');
  const statements = ranges.map((range) => normalizeStatement(text, lexed.tokens, range, rules));
  // The scan's span: every token but a closing `;`.
  const last = lexed.tokens.at(-1);
  const endToken = last !== undefined && text.charCodeAt(last.start) === 59 ? lexed.tokens.length - 1 : lexed.tokens.length;
  const whole = { firstToken: 0, endToken, start: 0, end: text.length };
  return { problems: lexed.problems.length, literals, statements, redacted: normalizeStatement(text, lexed.tokens, whole, rules).redactedText };
}

/**
 * Wherever the scan answers, the full path must agree: a well-formed text with a literal, redacted
 * exactly as the scan says. T-SQL needs no `;` between statements, so the scan may answer for
 * several; what the classifier relies on is that every text of a shape is one statement redacted
 * as the shape with one fingerprint, or none is (`shapes` collects them across every text checked).
 */
function expectAgreement(text: string, shapes: Map<string, SeenShape>, previous?: SeenShape): boolean {
  const shape = mssqlLiteralShape(text);
  if (shape === undefined) return false;
  // Checked in place against a shape's segments, the text matches exactly its own shape.
  const segments = spans.segments(text);
  expect(segments.join('?')).toBe(shape);
  expect(spans.redactsTo(text, segments)).toBe(true);
  if (previous) expect({ text, matches: spans.redactsTo(text, previous.segments) }).toEqual({ text, matches: shape === previous.segments.join('?') });
  const full = fullPath(text);
  expect({ text, problems: full.problems, literals: full.literals, redacted: full.redacted }).toEqual({
    text,
    problems: 0,
    literals: true,
    redacted: shape,
  });
  const only = full.statements.length === 1 ? full.statements[0]! : undefined;
  const remembered = only !== undefined && only.redactedText === shape ? only.fingerprint : undefined;
  const seen = shapes.get(shape);
  if (seen) expect({ text, remembered }).toEqual({ text, remembered: seen.remembered });
  else shapes.set(shape, { text, remembered, segments });
  return true;
}

const PLAIN_LITERALS = ['5', '42', '1.5', '0.25', "'x'", "'it''s'", "''", "'a?b'", "'é -- /* ]'", "'\\'", "N'n'", "n'x''y'"];
/** Fragments that matter to the T-SQL lexer, glued together at random: most soups are outside the scan's grammar. */
const FRAGMENTS = [
  ...PLAIN_LITERALS,
  ...['SELECT', 'select', 'FROM', 'from', 'WHERE', 'users', 'Users', 'a', 'e', 'E', 'N', 'n', 'AN', 'x', 'aid', 't1', '_x', '#tmp', 'a$b', 'a@b'],
  ...['THROW', 'throw', 'Throw', 'IF', 'WHILE', 'ELSE', 'BEGIN', 'END', 'TRY', 'CATCH', 'CASE', 'TOP', 'EXEC', 'INSERT', 'UPDATE', 'DELETE'],
  ...['MERGE', 'SET', 'CREATE', 'ALTER', 'PROCEDURE', 'DROP', 'WITH', 'AS', 'insert', 'Merge', 'with'],
  ...['1e5', '1E-2', '0x1F', '0X1f', '1.', '.5', '$12.50', '$-3', '$PARTITION', "'open", "N'open"],
  ...['[q]', '[Q x]', '[a]]b]', '[a?b]', "[it's]", '[open', '"q"', '"a""b"', '"open'],
  ...['@v', '@@ROWCOUNT', '@', '@@', '?', '(', ')', ',', '.', '..', '{', '}', ';', ':', '::'],
  ...['=', '<', '>', '<=', '>=', '<>', '!=', '!<', '+=', '+', '-', '*', '/', '%', '||', '=-', '--', '/*', '*/', '&', '~', '|', '^', '!', '`'],
  ...[' ', '  ', '\n', '\t', '\\', 'é', '\u00a0', '\u0000'],
];

describe('mssqlLiteralShape', () => {
  it('redacts plain OLTP statements as the full path does', () => {
    expect(mssqlLiteralShape("SELECT TOP 1 * FROM users WHERE email = N'a@b.c';")).toBe('SELECT TOP ? * FROM users WHERE email = ?');
    const shapes = new Map<string, SeenShape>();
    for (const text of [
      "  select Name, [E-Mail], \"x y\" from dbo.users u where u.id in (1, 2.5, 'x') and n <> 'it''s' or m = n'é' ;  \n",
      "UPDATE accounts SET balance = balance - 5, note = 'a\\' WHERE id >= 10 AND (x % 2) != 0",
      "INSERT INTO orders (user_id, total, status) VALUES (7, 12.50, N'new')",
      'DELETE FROM sessions WHERE id = 9',
      'SELECT a FROM #tmp WHERE b = 2 AND c = 3',
    ]) {
      expect(expectAgreement(text, shapes)).toBe(true);
    }
  });

  it('leaves everything outside its grammar to the full path', () => {
    for (const text of [
      'SELECT 1; SELECT 2',
      'SELECT 1;;',
      'SELECT 1 -- c',
      'SELECT /* c */ 1',
      "SELECT AN'x'",
      "SELECT @vN'x'",
      'SELECT 1e5',
      'SELECT 0x1F',
      'SELECT 1.',
      'SELECT .5',
      'SELECT t.5 FROM t',
      'SELECT $12.50',
      'SELECT 1..2',
      'SELECT 1abc',
      "SELECT 'open",
      "SELECT N'open",
      'SELECT [open',
      'SELECT "open',
      "SELECT 1 THROW 'x', 1, 1",
      'SELECT (1;',
      'CREATE PROCEDURE p AS SELECT 1;',
      'IF 1 = 1 SELECT 2;',
      'BEGIN SELECT 1 END;',
      'THROW 50000, 1, 1',
      'SELECT a FROM t WHERE b = ?',
      'SELECT a FROM t WHERE b=-1',
      'SELECT a FROM t WHERE b !< 1',
      'SELECT @ FROM t WHERE b = 1',
      'SELECT a FROM t WHERE b = @p1 AND c = 3',
      'SELECT @@ROWCOUNT + 1',
      'SELECT café FROM t WHERE b = 1',
      "SELECT 'x'y",
      "SELECT 'x'.y",
      "SELECT 'x'[y]",
      'SELECT {fn NOW()} WHERE a = 1',
      'BEGIN TRANSACTION',
      '',
      '   ',
    ]) {
      expect({ text, shape: mssqlLiteralShape(text) }).toEqual({ text, shape: undefined });
    }
  });

  it('agrees with the full path over the T-SQL corpus and literal variants of it', () => {
    const shapes = new Map<string, SeenShape>();
    const random = seeded(6);
    let answered = 0;
    for (const { sql } of MSSQL_CORPUS) {
      const variants = [
        sql,
        sql.replace(/\b\d+\b/g, () => String(Math.floor(random() * 1000))),
        sql.replace(/N?'[^']*'/g, () => PLAIN_LITERALS[Math.floor(random() * PLAIN_LITERALS.length)]!),
      ];
      for (const text of variants) if (expectAgreement(text, shapes)) answered++;
    }
    expect(answered).toBeGreaterThan(50);
  });

  it('agrees with the full path on seeded fragment soups (a shape never has two readings)', () => {
    const shapes = new Map<string, SeenShape>();
    const answered = checkFragmentSoups<SeenShape>(20261128, 30_000, FRAGMENTS, PLAIN_LITERALS, (text, previous) =>
      expectAgreement(text, shapes, previous) ? shapes.get(mssqlLiteralShape(text)!)! : undefined,
    );
    // Enough soups fall inside the grammar for the check to mean something.
    expect(answered).toBeGreaterThan(5_000);
  });

  it('lets the classifier answer by literal shape exactly as its uncached full path does', async () => {
    const classifier = await createSqlClassifier();
    const cold = await createSqlClassifier({ cacheEntries: 0 });
    const random = seeded(12);
    const context = { dialect: 'mssql', database: 'app' } as const;
    for (let round = 0; round < 3; round++) {
      for (const { sql } of MSSQL_CORPUS) {
        const text = round === 0 ? sql : sql.replace(/\b\d+\b/g, () => String(Math.floor(random() * 10_000))).replace(/N?'[^']*'/g, () => `'v${round}'`);
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
