import type { Action, Decision } from '@gatehouse/core';
import type { SessionStart, StatementOutcome } from '@gatehouse/proxy';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { AttributeValue, Attributes, Context, Span, SpanContext } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { SdkStatementTracer } from '../statement-spans.js';
import type { SessionStatementSpans, StatementSpan, StatementTracer } from '../statement-spans.js';
import { TelemetryHooks } from '../telemetry-hooks.js';
import type { TelemetryHooksOptions } from '../telemetry-hooks.js';
import { decodeTraceRequest } from '../testing/otlp-proto.js';
import { LeanStatementTracer } from './lean-statement-span.js';
import type { LeanStatementSpan } from './lean-statement-span.js';
import { StatementSpanEncoder } from './statement-span-encoder.js';

const SCOPE = '@gatehouse/telemetry';
/** Epoch milliseconds; the tests add fractions (the SDK rounds them to whole nanoseconds). */
const START_MS = 1_764_170_000_123;

const ACTION: Action = {
  dialect: 'postgres',
  category: 'read',
  operation: 'SELECT',
  objects: [{ name: 'bench.public.pgbench_accounts', kind: 'table', access: 'read' }],
  flags: [],
  fingerprint: 'SELECT abalance FROM pgbench_accounts WHERE aid = ?',
  redactedText: 'SELECT abalance FROM pgbench_accounts WHERE aid = ?',
};
const WRITE: Action = {
  dialect: 'postgres',
  category: 'write',
  operation: 'UPDATE',
  objects: [{ name: 'bench.public.pgbench_accounts', kind: 'table', access: 'write' }],
  flags: ['unbounded'],
  fingerprint: 'UPDATE pgbench_accounts SET abalance = ?',
  redactedText: 'UPDATE pgbench_accounts SET abalance = ? -- naïve “unicode” ✓',
};
const ALLOW: Decision = { effect: 'allow', rules: ['app-reads'], reason: 'allowed', risk: { score: 1, factors: [] }, obligations: { audit: 'standard' }, observed: [] };
const REVIEW: Decision = {
  effect: 'review',
  rules: ['writes-need-review', 'no-bulk'],
  reason: 'needs review',
  risk: { score: 7.5, factors: [{ name: 'unbounded-write', points: 5 }] },
  obligations: { audit: 'standard' },
  observed: [{ rule: 'shadow-deny', effect: 'deny' }],
};

const SESSION: SessionStart = {
  sessionId: 'session-1',
  principal: { id: 'orders-service', groups: ['app'], kind: 'service', via: 'gateway-token' },
  target: { connection: 'orders', environment: 'prod', dialect: 'postgres', database: 'bench' },
  clientAddress: '127.0.0.1',
  tls: false,
  startedAt: new Date(),
};

/**
 * Both kinds of statement span for every statement, fed the same calls: the SDK span through the
 * SDK's span processor, the lean one to a list. The lean span takes the SDK span's id, so the two
 * can be compared byte for byte.
 */
class BothStatementTracers implements StatementTracer {
  readonly lean: LeanStatementSpan[] = [];
  readonly #sdk: SdkStatementTracer;
  readonly #leanTracer: LeanStatementTracer;
  readonly #words: number[] = [];

  constructor(sdk: SdkStatementTracer) {
    this.#sdk = sdk;
    this.#leanTracer = new LeanStatementTracer({ add: (span) => this.lean.push(span) }, sdk, { word: () => this.#words.shift()! });
  }

  forSession(parent: Context, sessionSpan: Span | undefined, sessionAttributes: Attributes): SessionStatementSpans {
    const sdk = this.#sdk.forSession(parent, sessionSpan, sessionAttributes);
    const lean = this.#leanTracer.forSession(parent, sessionSpan, sessionAttributes);
    return {
      start: (shape, outcome, startedAt) => {
        const first = sdk.start(shape, outcome, startedAt);
        const id = first.spanContext().spanId;
        this.#words.push(Number.parseInt(id.slice(0, 8), 16), Number.parseInt(id.slice(8), 16));
        return new BothSpans(first, lean.start(shape, outcome, startedAt));
      },
    };
  }
}

class BothSpans implements StatementSpan {
  constructor(
    readonly sdk: StatementSpan,
    readonly lean: StatementSpan,
  ) {}
  spanContext(): SpanContext {
    expect(this.lean.spanContext()).toEqual(this.sdk.spanContext());
    return this.sdk.spanContext();
  }
  isRecording(): boolean {
    expect(this.lean.isRecording()).toBe(this.sdk.isRecording());
    return this.sdk.isRecording();
  }
  setAttribute(key: string, value: AttributeValue): void {
    this.sdk.setAttribute(key, value);
    this.lean.setAttribute(key, value);
  }
  addEvent(name: string, attributes: Attributes, time: number): void {
    this.sdk.addEvent(name, attributes, time);
    this.lean.addEvent(name, attributes, time);
  }
  setError(): void {
    this.sdk.setError();
    this.lean.setError();
  }
  childContext(): Context {
    return this.lean.childContext();
  }
  end(time: number): void {
    this.sdk.end(time);
    this.lean.end(time);
  }
}

function traced(options: TelemetryHooksOptions = {}) {
  const resource = resourceFromAttributes({ 'service.name': 'gatehouse-test', 'service.instance.id': 'i-1', 'host.cores': 2 });
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer(SCOPE);
  const both = new BothStatementTracers(new SdkStatementTracer(tracer));
  const hooks = new TelemetryHooks(tracer, undefined, [], { ...options, statementTracer: both }).hooks();
  const encoder = new StatementSpanEncoder(resource, { name: SCOPE });
  const statementSpans = (): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CLIENT);
  return { hooks, both, encoder, exporter, statementSpans };
}

/** Every statement shape the hooks produce: read, write, refused, held, failed, slow, not completed. */
function runStatements(hooks: ReturnType<typeof traced>['hooks']): void {
  hooks.sessionStarted!(SESSION);
  const read: StatementOutcome = { actions: [ACTION], decision: ALLOW };
  hooks.statementDecided!(SESSION, read);
  hooks.gateSettled!(SESSION, read, { proceed: true });
  hooks.statementCompleted!(SESSION, { outcome: read, result: 'ok', rows: 1, durationMs: 0.05, maskedValues: 0 });

  const write: StatementOutcome = { actions: [WRITE], decision: REVIEW };
  hooks.statementDecided!(SESSION, write);
  hooks.gateSettled!(SESSION, write, { proceed: true, approvalId: 'apr-42' });
  hooks.statementCompleted!(SESSION, { outcome: write, result: 'ok', rows: 100_000, durationMs: 25, maskedValues: 3 });

  const refused: StatementOutcome = { actions: [WRITE], decision: REVIEW };
  hooks.statementDecided!(SESSION, refused);
  hooks.gateSettled!(SESSION, refused, { proceed: false, reason: 'approval-denied', message: 'denied by a reviewer', approvalId: 'apr-43' });
  hooks.statementCompleted!(SESSION, { outcome: refused, result: 'blocked', durationMs: 0, maskedValues: 0 });

  const failed: StatementOutcome = { actions: [ACTION, ACTION], decision: ALLOW };
  hooks.statementDecided!(SESSION, failed);
  hooks.statementCompleted!(SESSION, { outcome: failed, result: 'error', errorCode: '42P01', durationMs: 0.2, maskedValues: 0 });

  // A prepared statement executed again: a span per execution, without a new decision.
  hooks.statementCompleted!(SESSION, { outcome: read, result: 'ok', rows: 0, durationMs: 0.1, maskedValues: 0 });

  // Decisions are new objects per statement when the classifier's actions are not cached: equal
  // content must share an encoding, any difference must not.
  for (const decision of [{ ...ALLOW }, { ...ALLOW, risk: { score: 2, factors: [] } }, { ...ALLOW, rules: ['app-reads', 'extra'] }, { ...ALLOW, effect: 'deny' as const }, { ...ALLOW }]) {
    const outcome: StatementOutcome = { actions: [ACTION], decision };
    hooks.statementDecided!(SESSION, outcome);
    hooks.statementCompleted!(SESSION, { outcome, result: 'ok', rows: 1, durationMs: 0.05, maskedValues: 0 });
  }

  const unfinished: StatementOutcome = { actions: [ACTION], decision: ALLOW };
  hooks.statementDecided!(SESSION, unfinished);
  hooks.sessionEnded!(SESSION, new Date());
}

describe('StatementSpanEncoder', () => {
  for (const options of [{ detail: 'statement' }, { detail: 'statement', slowStatementMs: 0 }, { detail: 'full' }] as const) {
    it(`writes the bytes the SDK's protobuf serializer writes for the same statement spans (${JSON.stringify(options)})`, () => {
      const { hooks, both, encoder, statementSpans } = traced(options);
      runStatements(hooks);
      const sdk = statementSpans();
      expect(sdk).toHaveLength(11);
      expect(both.lean).toHaveLength(11);
      // In the order they ended, one by one and as one request.
      for (let i = 0; i < sdk.length; i++) {
        const expected = ProtobufTraceSerializer.serializeRequest([sdk[i]!])!;
        const actual = encoder.encode([both.lean[i]!]);
        expect(decodeTraceRequest(Buffer.from(actual))).toEqual(decodeTraceRequest(Buffer.from(expected)));
        expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
      }
      expect(Buffer.from(encoder.encode(both.lean)).equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(sdk)!))).toBe(true);
    });
  }

  it('keeps the sub-spans of a slow or refused statement under the lean statement span', () => {
    // Every statement counts as slow: each gets its upstream round trip and decision event.
    const { hooks, both, exporter } = traced({ slowStatementMs: 0 });
    runStatements(hooks);
    const leanIds = new Set(both.lean.map((span) => span.spanContext().spanId));
    const subSpans = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.INTERNAL && span.name === 'gatehouse.upstream.round_trip');
    expect(subSpans.length).toBeGreaterThan(0);
    for (const span of subSpans) expect(leanIds.has(span.parentSpanContext!.spanId)).toBe(true);
  });

  it('encodes every kind of attribute value and time as the SDK does', () => {
    const resource = resourceFromAttributes({ 'service.name': 'gatehouse-test' });
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer(SCOPE);
    const both = new BothStatementTracers(new SdkStatementTracer(tracer));
    const session = tracer.startSpan('gatehouse.session');
    const shape = {
      spanName: 'SELECT “grüße”',
      spanAttributes: Object.freeze({
        text: 'ünïcödé ✓ 𝄞',
        empty: '',
        yes: true,
        no: false,
        zero: 0,
        negative: -42,
        large: 2 ** 40,
        largeNegative: -(2 ** 40),
        beyondSafe: 2 ** 60,
        fraction: 0.25,
        notFinite: Number.POSITIVE_INFINITY,
        strings: ['a', 'ß'],
        numbers: [1, -1, 1.5],
        booleans: [true, false],
        withNull: ['a', null, 'b'],
        none: [],
        skipped: undefined,
      }),
      metricAttributes: Object.freeze({}),
      readOnly: true,
      source: [ACTION],
    };
    const spans = both.forSession(trace.setSpan(ROOT_CONTEXT, session), session, Object.freeze({ 'gatehouse.principal.id': 'p' }));
    const statement = spans.start(shape, { actions: [ACTION], decision: REVIEW }, START_MS + 0.4567);
    statement.setAttribute('rows', 3);
    statement.setAttribute('rows', 4_000_000_000);
    statement.setAttribute('list', ['x']);
    statement.addEvent('gatehouse.policy.decision', { 'gatehouse.decision.effect': 'review', score: 7.5 }, START_MS + 1.9999999);
    statement.setError();
    statement.end(START_MS + 2.0000001);
    const sdk = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CLIENT);
    expect(sdk).toHaveLength(1);
    expect(both.lean).toHaveLength(1);
    const encoder = new StatementSpanEncoder(resource, { name: SCOPE });
    expect(Buffer.from(encoder.encode(both.lean)).equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(sdk)!))).toBe(true);
  });

  it('encodes an empty batch as a request with no spans', () => {
    const { encoder } = traced();
    const decoded = decodeTraceRequest(Buffer.from(encoder.encode([]))) as { resourceSpans: { scopeSpans: { spans?: unknown[] }[] }[] };
    expect(decoded.resourceSpans[0]!.scopeSpans[0]!.spans ?? []).toEqual([]);
  });
});
