import type { StatementOutcome } from '@gatehouse/proxy';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { AttributeValue, Attributes, Context, Span, SpanContext, Tracer } from '@opentelemetry/api';
import {
  ATTR_GATEHOUSE_DECISION_EFFECT,
  ATTR_GATEHOUSE_POLICY_OBSERVED,
  ATTR_GATEHOUSE_POLICY_RULES,
  ATTR_GATEHOUSE_RISK_FACTORS,
  ATTR_GATEHOUSE_RISK_SCORE,
} from './attribute-names.js';
import type { StatementShape } from './statement-shapes.js';

/**
 * The span of one statement execution, as the telemetry hooks use it. Two kinds: an SDK span
 * (any exporter) and a lean record encoded straight to OTLP protobuf (export/lean-statement-span.ts).
 * Both carry the same content: the shape's, the session's and the decision's attributes from the
 * start, then what the execution adds.
 */
export interface StatementSpan {
  spanContext(): SpanContext;
  isRecording(): boolean;
  /** An attribute the span did not start with (start attributes are never replaced). */
  setAttribute(key: string, value: AttributeValue): void;
  addEvent(name: string, attributes: Attributes, time: number): void;
  /** Status ERROR (no message: an error's text may hold a value). */
  setError(): void;
  /** The context the statement's sub-spans (gate wait, upstream round trip) start under. */
  childContext(): Context;
  end(time: number): void;
}

/** Statement spans of one session: children of its session span. */
export interface SessionStatementSpans {
  start(shape: StatementShape, outcome: StatementOutcome, startedAt: number): StatementSpan;
}

/** Makes the statement spans of each session. */
export interface StatementTracer {
  /**
   * `parent`: the session's context (with its span, or the root context when its start was not seen);
   * `sessionAttributes`: set on every statement span of the session (principal, session id).
   */
  forSession(parent: Context, sessionSpan: Span | undefined, sessionAttributes: Attributes): SessionStatementSpans;
}

/** Statement spans as SDK spans: for every exporter (the lean path covers OTLP/HTTP protobuf only). */
export class SdkStatementTracer implements StatementTracer {
  readonly #tracer: Tracer;

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
  }

  forSession(parent: Context, _sessionSpan: Span | undefined, sessionAttributes: Attributes): SessionStatementSpans {
    const tracer = this.#tracer;
    return {
      start(shape, outcome, startedAt) {
        // Attributes are set on the span, not passed to startSpan: the SDK copies and checks
        // start-time attributes twice more (for the sampler), for every statement.
        const span = tracer.startSpan(shape.spanName, { kind: SpanKind.CLIENT, startTime: startedAt }, parent);
        span.setAttributes(shape.spanAttributes);
        span.setAttributes(sessionAttributes);
        setDecisionAttributes(span, outcome);
        return new SdkStatementSpan(span);
      },
    };
  }
}

class SdkStatementSpan implements StatementSpan {
  readonly #span: Span;

  constructor(span: Span) {
    this.#span = span;
  }

  spanContext(): SpanContext {
    return this.#span.spanContext();
  }

  isRecording(): boolean {
    return this.#span.isRecording();
  }

  setAttribute(key: string, value: AttributeValue): void {
    this.#span.setAttribute(key, value);
  }

  addEvent(name: string, attributes: Attributes, time: number): void {
    this.#span.addEvent(name, attributes, time);
  }

  setError(): void {
    this.#span.setStatus({ code: SpanStatusCode.ERROR });
  }

  childContext(): Context {
    return trace.setSpan(ROOT_CONTEXT, this.#span);
  }

  end(time: number): void {
    this.#span.end(time);
  }
}

/** The decision on the statement span, set one by one (no intermediate object per statement). */
function setDecisionAttributes(span: Span, { decision }: StatementOutcome): void {
  span.setAttribute(ATTR_GATEHOUSE_DECISION_EFFECT, decision.effect);
  span.setAttribute(ATTR_GATEHOUSE_POLICY_RULES, decision.rules as string[]);
  span.setAttribute(ATTR_GATEHOUSE_RISK_SCORE, decision.risk.score);
  if (decision.risk.factors.length > 0) span.setAttribute(ATTR_GATEHOUSE_RISK_FACTORS, decision.risk.factors.map((factor) => factor.name));
  if (decision.observed.length > 0) span.setAttribute(ATTR_GATEHOUSE_POLICY_OBSERVED, decision.observed.map((rule) => `${rule.rule}:${rule.effect}`));
}
