import { describe, expect, it } from 'vitest';
import { normalizeStatement } from '../normalize.js';
import { seeded } from '../rewrite/test-filters.js';
import { POSTGRES_CORPUS } from './corpus.js';
import { foldPostgresIdentifier, POSTGRES_KEYWORDS } from './keywords.js';
import { lexPostgres } from './lexer.js';
import { LiteralSpans } from '../literal-spans.js';
import { scanPostgresLiteralShape } from './literal-shape.js';
import { splitPostgres } from './split.js';
import { checkFragmentSoups } from '../literal-shape-soups.js';

const rules = { keywords: POSTGRES_KEYWORDS, foldIdentifier: foldPostgresIdentifier };
const spans = new LiteralSpans();

/** The scan's redacted text, or undefined when it leaves the text to the full path. */
function postgresLiteralShape(text: string): string | undefined {
  return scanPostgresLiteralShape(text, spans) ? spans.redacted(text) : undefined;
}

interface SeenShape {
  readonly text: string;
  readonly fingerprint: string;
  readonly segments: readonly string[];
}

/** What the full path makes of a text: lexer + splitter + normalisation. */
function fullPath(text: string) {
  const lexed = lexPostgres(text);
  const ranges = splitPostgres(lexed.tokens, text);
  const literals = lexed.tokens.some((token) => token.kind === 'string' || token.kind === 'number');
  const single = ranges.length === 1 ? normalizeStatement(text, lexed.tokens, ranges[0]!, rules) : undefined;
  return { problems: lexed.problems.length, statements: ranges.length, literals, ...single };
}

/**
 * Wherever the scan answers, the full path must agree: one well-formed statement with a literal,
 * redacted exactly as the scan says. And one scan result must always mean one fingerprint
 * (`shapes` collects them across every text checked).
 */
function expectAgreement(text: string, shapes: Map<string, SeenShape>, previous?: SeenShape): boolean {
  const shape = postgresLiteralShape(text);
  if (shape === undefined) return false;
  // Checked in place against a shape's segments, the text matches exactly its own shape.
  const segments = spans.segments(text);
  expect(segments.join('?')).toBe(shape);
  expect(spans.redactsTo(text, segments)).toBe(true);
  if (previous) expect({ text, matches: spans.redactsTo(text, previous.segments) }).toEqual({ text, matches: shape === previous.segments.join('?') });
  const full = fullPath(text);
  expect({ text, problems: full.problems, statements: full.statements, literals: full.literals, redacted: full.redactedText }).toEqual({
    text,
    problems: 0,
    statements: 1,
    literals: true,
    redacted: shape,
  });
  const seen = shapes.get(shape);
  if (seen) expect({ text, fingerprint: full.fingerprint }).toEqual({ text, fingerprint: seen.fingerprint });
  else shapes.set(shape, { text, fingerprint: full.fingerprint!, segments });
  return true;
}

const PLAIN_LITERALS = ['5', '42', '1.5', '0.25', "'x'", "'it''s'", "''", "'a?b'", "'é -- /* $$'", "'\\'"];
/** Fragments that matter to the lexer, glued together at random: most soups are outside the scan's grammar. */
const FRAGMENTS = [
  ...PLAIN_LITERALS,
  ...['SELECT', 'select', 'FROM', 'from', 'WHERE', 'users', 'Users', 'a', 'E', 'e', 'B', 'X', 'N', 'U', 'u', 'x', 'aid', 't1', '_x', 'abc$'],
  ...['1e5', '0x1F', '1_000', '1.', '.5', "E'x'", "e'\\''", "B'01'", "X'ff'", "N'n'", "U&'x'", '$$d$$', '$q$d$q$', "'open"],
  ...['"q"', '"Q x"', '"a""b"', '"a?b"', '"open', 'U&"x"'],
  ...['$1', '$23', '$', '(', ')', ',', '.', '..', '[', ']', ';', '::', ':', ':=', ':::'],
  ...['=', '<', '>', '<=', '>=', '<>', '!=', '+', '-', '*', '/', '%', '||', '?', '=-', '--', '/*', '*/', '@', '#', '&', '~', '|', '^', '`'],
  ...[' ', '  ', '\n', '\t', '\\', '{', 'é', '\u00a0', '\u0000'],
];

describe('postgresLiteralShape', () => {
  it("redacts pgbench's statement and plain OLTP statements as the full path does", () => {
    expect(postgresLiteralShape('SELECT abalance FROM pgbench_accounts WHERE aid = 123;')).toBe('SELECT abalance FROM pgbench_accounts WHERE aid = ?');
    const shapes = new Map<string, SeenShape>();
    for (const text of [
      "  select Name, \"E-Mail\" from public.users u where u.id in (1, 2.5, 'x') and t.tags[1] = $1::text or n <> 'it''s' ;  \n",
      "UPDATE accounts SET balance = balance - 5, note = 'a' || 'b' WHERE id >= 10 AND (x % 2) != 0",
      "INSERT INTO orders (user_id, total, status) VALUES (7, 12.50, 'new') RETURNING id",
      'DELETE FROM sessions WHERE id = 9',
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
      "SELECT E'x'",
      "SELECT e'x'",
      "SELECT B'01'",
      "SELECT X'ff'",
      "SELECT N'n'",
      "SELECT U&'x'",
      'SELECT U&"x" FROM t WHERE a = 1',
      'SELECT $$x$$',
      'SELECT $q$x$q$',
      'SELECT 1e5',
      'SELECT 0x1F',
      'SELECT 1_000',
      'SELECT 1.',
      'SELECT .5',
      'SELECT 1..2',
      'SELECT a$b FROM t WHERE c = 1',
      "SELECT 'open",
      'SELECT "open',
      "SELECT data ? 'k' FROM t",
      'SELECT a FROM t WHERE b=-1',
      'SELECT a FROM t WHERE b @> 1',
      'SELECT café FROM t WHERE b = 1',
      "SELECT 'x'y",
      "SELECT 'x'.y",
      'SELECT 1::::int',
      'SELECT a[1:2] FROM t',
      'SELECT abalance FROM pgbench_accounts WHERE aid = $1',
      'BEGIN',
      '',
      '   ',
    ]) {
      expect({ text, shape: postgresLiteralShape(text) }).toEqual({ text, shape: undefined });
    }
  });

  it('agrees with the full path over the PostgreSQL corpus and literal variants of it', () => {
    const shapes = new Map<string, SeenShape>();
    const random = seeded(4);
    let answered = 0;
    for (const { sql } of POSTGRES_CORPUS) {
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
    const answered = checkFragmentSoups<SeenShape>(20261126, 30_000, FRAGMENTS, PLAIN_LITERALS, (text, previous) =>
      expectAgreement(text, shapes, previous) ? shapes.get(postgresLiteralShape(text)!)! : undefined,
    );
    // Enough soups fall inside the grammar for the check to mean something.
    expect(answered).toBeGreaterThan(5_000);
  });
});
