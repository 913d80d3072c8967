import { TraceFlags, createTraceState } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { sqlCommenterComment, traceparent, withSqlComment } from './trace-context.js';

const CONTEXT: SpanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };

describe('trace context for the upstream', () => {
  it('formats a W3C traceparent', () => {
    expect(traceparent(CONTEXT)).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(traceparent({ ...CONTEXT, traceFlags: TraceFlags.NONE })).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00');
  });

  it('gives nothing for an invalid context (an unsampled no-op span)', () => {
    const invalid = { traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: 0 };
    expect(traceparent(invalid)).toBeUndefined();
    expect(sqlCommenterComment(invalid)).toBe('');
    expect(withSqlComment('SELECT 1', invalid)).toBe('SELECT 1');
  });

  it('builds the sqlcommenter comment: sorted keys, URL-encoded quoted values', () => {
    expect(sqlCommenterComment(CONTEXT)).toBe("/*traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'*/");
    const withState = { ...CONTEXT, traceState: createTraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7') };
    expect(sqlCommenterComment(withState)).toBe(
      "/*traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',tracestate='congo%3Dt61rcWkgMzE%2Crojo%3D00f067aa0ba902b7'*/",
    );
  });

  it('appends to a statement before its final semicolon, and never stacks on an existing trailing comment', () => {
    const comment = sqlCommenterComment(CONTEXT);
    expect(withSqlComment('SELECT * FROM t', CONTEXT)).toBe(`SELECT * FROM t ${comment}`);
    expect(withSqlComment('SELECT * FROM t;  ', CONTEXT)).toBe(`SELECT * FROM t ${comment};`);
    expect(withSqlComment('SELECT 1 /*app=x*/', CONTEXT)).toBe('SELECT 1 /*app=x*/');
  });
});
