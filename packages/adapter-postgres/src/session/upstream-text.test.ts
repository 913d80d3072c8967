import { describe, expect, it } from 'vitest';
import { isTraceparent, upstreamText } from './upstream-text.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('the text sent upstream', () => {
  it("is the client's own (undefined) without a rewrite or trace context", () => {
    expect(upstreamText('SELECT 1', undefined, undefined)).toBeUndefined();
  });

  it('is the rewrite when there is one', () => {
    expect(upstreamText('SELECT * FROM t', 'SELECT * FROM (SELECT * FROM t WHERE r = $x$eu$x$) t', undefined)).toBe('SELECT * FROM (SELECT * FROM t WHERE r = $x$eu$x$) t');
  });

  it('ends with the trace context comment, after the rewrite, on a new line after a line comment', () => {
    expect(upstreamText('SELECT 1', undefined, TRACEPARENT)).toBe(`SELECT 1 /*traceparent='${TRACEPARENT}'*/`);
    expect(upstreamText('SELECT 1', 'SELECT 2', TRACEPARENT)).toBe(`SELECT 2 /*traceparent='${TRACEPARENT}'*/`);
    expect(upstreamText('SELECT 1 -- note', undefined, TRACEPARENT)).toBe(`SELECT 1 -- note\n/*traceparent='${TRACEPARENT}'*/`);
  });

  it('never splices anything but a well-formed traceparent', () => {
    for (const bad of ["00-x'*/; DROP TABLE t; --", TRACEPARENT.toUpperCase(), `${TRACEPARENT} `, '', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7']) {
      expect(isTraceparent(bad)).toBe(false);
      expect(upstreamText('SELECT 1', undefined, bad)).toBeUndefined();
    }
  });
});
