import { describe, expect, it } from 'vitest';
import { withTraceComment } from './trace-comment.js';

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const COMMENT = `/*traceparent='${TP}'*/`;

describe('withTraceComment', () => {
  it('appends the sqlcommenter comment at the end, before a final semicolon', () => {
    expect(withTraceComment('SELECT 1', TP)).toBe(`SELECT 1 ${COMMENT}`);
    expect(withTraceComment('SELECT 1;  \n', TP)).toBe(`SELECT 1 ${COMMENT};  \n`);
    expect(withTraceComment('SELECT 1; SELECT 2', TP)).toBe(`SELECT 1; SELECT 2 ${COMMENT}`);
  });

  it('ends a trailing line comment first', () => {
    expect(withTraceComment('SELECT 1 -- why', TP)).toBe(`SELECT 1 -- why\n${COMMENT}`);
    expect(withTraceComment('SELECT 1 # why', TP)).toBe(`SELECT 1 # why\n${COMMENT}`);
    expect(withTraceComment('SELECT 1 -- why\n', TP)).toBe(`SELECT 1 -- why\n${COMMENT}`);
  });

  it('leaves text that ends inside a string, identifier or comment alone', () => {
    for (const open of ["SELECT 'abc", 'SELECT "a\\"', 'SELECT `a', 'SELECT 1 /* open', 'SELECT 1 /*!50000 open', "SELECT 'it''s"]) {
      expect(withTraceComment(open, TP)).toBe(open);
    }
  });

  it('reads quotes, escapes and closed comments as the server does', () => {
    expect(withTraceComment("SELECT 'a\\'b' /* c */", TP)).toBe(`SELECT 'a\\'b' /* c */ ${COMMENT}`);
    expect(withTraceComment("SELECT 'it''s', `x``y`", TP)).toBe(`SELECT 'it''s', \`x\`\`y\` ${COMMENT}`);
    expect(withTraceComment('SELECT /*!50000 1 */', TP)).toBe(`SELECT /*!50000 1 */ ${COMMENT}`);
    expect(withTraceComment("SELECT '-- not a comment'", TP)).toBe(`SELECT '-- not a comment' ${COMMENT}`);
    expect(withTraceComment('SELECT 1--1', TP)).toBe(`SELECT 1--1 ${COMMENT}`);
  });

  it('never splices a value that is not a well-formed traceparent', () => {
    for (const bad of ["00-x'*/ DROP TABLE t; /*", '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01', '', `${TP} `]) {
      expect(withTraceComment('SELECT 1', bad)).toBe('SELECT 1');
    }
  });

  it('takes linear time on long runs of blanks', () => {
    const text = `SELECT 1${' '.repeat(200_000)}x${' '.repeat(200_000)}`;
    const started = performance.now();
    expect(withTraceComment(text, TP).endsWith(`x ${COMMENT}${' '.repeat(200_000)}`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
