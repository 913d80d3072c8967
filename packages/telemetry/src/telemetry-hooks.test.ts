import { AlwaysOffSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Action, Decision } from '@gatehouse/core';
import type { SessionStart, StatementOutcome } from '@gatehouse/proxy';
import { describe, expect, it } from 'vitest';
import { TelemetryHooks } from './telemetry-hooks.js';

const ACTION: Action = {
  dialect: 'mysql',
  category: 'read',
  operation: 'SELECT',
  objects: [{ name: 'app.users', kind: 'table', access: 'read' }],
  flags: [],
  fingerprint: 'SELECT ? FROM users',
  redactedText: 'SELECT ? FROM users',
};
const DECISION: Decision = { effect: 'allow', rules: ['r'], reason: 'allowed', risk: { score: 0, factors: [] }, obligations: { audit: 'standard' }, observed: [] };

const SESSION: SessionStart = {
  sessionId: 's1',
  principal: { id: 'carl', groups: [], kind: 'human', via: 'test' },
  target: { connection: 'app', environment: 'prod', dialect: 'mysql', database: 'app' },
  clientAddress: '127.0.0.1',
  tls: true,
  startedAt: new Date(),
};

describe('TelemetryHooks', () => {
  it('bounds the statements a session keeps open when completions never come', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const hooks = new TelemetryHooks(provider.getTracer('test'), undefined).hooks();
    hooks.sessionStarted!(SESSION);
    for (let i = 0; i < 300; i++) {
      const outcome: StatementOutcome = { actions: [ACTION], decision: DECISION };
      hooks.statementDecided!(SESSION, outcome);
    }
    // 300 decided, none completed: all but the newest 256 were ended as unfinished.
    expect(exporter.getFinishedSpans().length).toBe(300 - 256);
    hooks.sessionEnded!(SESSION, new Date());
    // The rest, and the session span, end with the session.
    expect(exporter.getFinishedSpans().length).toBe(300 + 1);
  });

  describe('trace context for the upstream database', () => {
    const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;
    const traced = (connections: readonly string[], sampler?: AlwaysOffSampler) => {
      const exporter = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)], ...(sampler ? { sampler } : {}) });
      return { exporter, hooks: new TelemetryHooks(provider.getTracer('test'), undefined, connections).hooks() };
    };

    it("returns the statement span's traceparent on a connection that propagates", () => {
      const { exporter, hooks } = traced(['app']);
      hooks.sessionStarted!(SESSION);
      const outcome: StatementOutcome = { actions: [ACTION], decision: DECISION };
      hooks.statementDecided!(SESSION, outcome);
      const parent = hooks.traceContext!(SESSION, outcome);
      expect(parent).toMatch(TRACEPARENT);
      hooks.statementCompleted!(SESSION, { outcome, result: 'ok', rows: 1, durationMs: 1, maskedValues: 0 });
      const statement = exporter.getFinishedSpans().find((span) => span.name !== 'gatehouse.upstream.round_trip')!;
      // The database's log line names exactly this statement's span.
      expect(parent).toBe(`00-${statement.spanContext().traceId}-${statement.spanContext().spanId}-01`);
    });

    it('falls back to the session span for a statement executed again without a new decision', () => {
      const { hooks } = traced(['app']);
      hooks.sessionStarted!(SESSION);
      const outcome: StatementOutcome = { actions: [ACTION], decision: DECISION };
      hooks.statementDecided!(SESSION, outcome);
      const first = hooks.traceContext!(SESSION, outcome)!;
      hooks.statementCompleted!(SESSION, { outcome, result: 'ok', durationMs: 1, maskedValues: 0 });
      const again = hooks.traceContext!(SESSION, outcome)!;
      expect(again).toMatch(TRACEPARENT);
      expect(again.split('-')[1]).toBe(first.split('-')[1]);
      expect(again).not.toBe(first);
    });

    it('is off by default, per connection, and for sessions the sampler left out', () => {
      expect(traced([]).hooks.traceContext).toBeUndefined();
      const other = traced(['reporting']).hooks;
      other.sessionStarted!(SESSION);
      const outcome: StatementOutcome = { actions: [ACTION], decision: DECISION };
      other.statementDecided!(SESSION, outcome);
      expect(other.traceContext!(SESSION, outcome)).toBeUndefined();

      const unsampled = traced(['app'], new AlwaysOffSampler()).hooks;
      unsampled.sessionStarted!(SESSION);
      unsampled.statementDecided!(SESSION, outcome);
      expect(unsampled.traceContext!(SESSION, outcome)).toBeUndefined();
      // No tracer at all (metrics only): nothing to propagate, so adapters are never asked.
      expect(new TelemetryHooks(undefined, undefined, ['app']).hooks().traceContext).toBeUndefined();
    });
  });
});

describe('TelemetryHooks trace detail', () => {
  const run = (options: { detail?: 'statement' | 'full'; slowStatementMs?: number }, gate?: { proceed: true; approvalId?: string }) => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const hooks = new TelemetryHooks(provider.getTracer('test'), undefined, [], options).hooks();
    hooks.sessionStarted!(SESSION);
    const outcome: StatementOutcome = { actions: [ACTION], decision: DECISION };
    hooks.statementDecided!(SESSION, outcome);
    hooks.gateSettled!(SESSION, outcome, gate ?? { proceed: true });
    hooks.statementCompleted!(SESSION, { outcome, result: 'ok', rows: 1, durationMs: 0.2, maskedValues: 0 });
    const spans = exporter.getFinishedSpans();
    const statement = spans.find((span) => span.name === 'SELECT users')!;
    return { spans, statement, children: spans.filter((span) => span.parentSpanContext?.spanId === statement.spanContext().spanId).map((span) => span.name) };
  };

  it('statement detail (the default): a fast statement is one span with every statement attribute and no sub-spans', () => {
    // A threshold no loaded machine reaches: the statement is fast whatever the scheduler does.
    const { statement, children } = run({ slowStatementMs: 60_000 });
    expect(children).toEqual([]);
    expect(statement.events).toEqual([]);
    expect(statement.attributes).toMatchObject({
      'db.system.name': 'mysql',
      'db.query.summary': 'SELECT users',
      'gatehouse.decision.effect': 'allow',
      'gatehouse.policy.rules': ['r'],
      'gatehouse.principal.id': 'carl',
      'gatehouse.connection': 'app',
      'gatehouse.statement.result': 'ok',
      'db.response.returned_rows': 1,
    });
    // A gate that let it through at once says nothing; the session id and fingerprint are full-detail only.
    expect(statement.attributes).not.toHaveProperty('gatehouse.gate.result');
    expect(statement.attributes).not.toHaveProperty('gatehouse.session.id');
    expect(statement.attributes).not.toHaveProperty('gatehouse.statement.fingerprint');
  });

  it('statement detail: a slow statement gets the decision event and the upstream round trip', () => {
    const { statement, children } = run({ slowStatementMs: 0 });
    expect(children).toEqual(['gatehouse.upstream.round_trip']);
    expect(statement.events.map((event) => event.name)).toEqual(['gatehouse.policy.decision']);
    expect(statement.events[0]!.attributes).toMatchObject({ 'gatehouse.decision.effect': 'allow', 'gatehouse.policy.rules': ['r'] });
  });

  it('statement detail: an approval shows as the gate result even when the statement is fast', () => {
    const { statement } = run({ slowStatementMs: 60_000 }, { proceed: true, approvalId: 'apr-1' });
    expect(statement.attributes).toMatchObject({ 'gatehouse.gate.result': 'proceed', 'gatehouse.approval.id': 'apr-1' });
  });

  it('full detail: every statement gets every sub-span, the gate result, its session id and fingerprint', () => {
    const { statement, children } = run({ detail: 'full', slowStatementMs: 60_000 });
    // A gate that let it through at once has no wait span, unless the machine stalled ≥ 1 ms between
    // the decision and the gate's answer (seen under a loaded CI run): that child is timing, not detail.
    expect(children.filter((name) => name !== 'gatehouse.gate.wait')).toEqual(['gatehouse.upstream.round_trip']);
    expect(statement.events.map((event) => event.name)).toEqual(['gatehouse.policy.decision']);
    expect(statement.attributes).toMatchObject({ 'gatehouse.gate.result': 'proceed', 'gatehouse.session.id': 's1', 'gatehouse.statement.fingerprint': ['SELECT ? FROM users'] });
  });

  it('makes no statement spans for a session the sampler left out', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)], sampler: new AlwaysOffSampler() });
    const telemetry = new TelemetryHooks(provider.getTracer('test'), undefined);
    const hooks = telemetry.hooks();
    hooks.sessionStarted!(SESSION);
    const outcome: StatementOutcome = { actions: [ACTION], decision: DECISION };
    hooks.statementDecided!(SESSION, outcome);
    expect(telemetry.statementSpanContext(SESSION.sessionId, outcome)).toBeUndefined();
    hooks.statementCompleted!(SESSION, { outcome, result: 'ok', durationMs: 1, maskedValues: 0 });
    hooks.sessionEnded!(SESSION, new Date());
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
