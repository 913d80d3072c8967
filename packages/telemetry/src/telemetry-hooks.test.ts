import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
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
});
