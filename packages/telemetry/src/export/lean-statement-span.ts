import type { Decision } from '@gatehouse/core';
import type { StatementOutcome } from '@gatehouse/proxy';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { AttributeValue, Attributes, Context, Span, SpanContext } from '@opentelemetry/api';
import { decisionAttributes } from '../db-semantics.js';
import type { StatementShape } from '../statement-shapes.js';
import type { SessionStatementSpans, StatementSpan, StatementTracer } from '../statement-spans.js';
import { AttributeEntries, encodeAttributes, encodeStringField } from './otlp-attributes.js';
import { ProtoWriter, WIRE_FIXED32, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './proto-writer.js';
import { SpanIdSource, spanIdHex } from './span-ids.js';
import type { SpanIdWords } from './span-ids.js';

/** OTLP Span field numbers the fragments below are encoded for. */
const SPAN_NAME_FIELD = 5;
/** kind = CLIENT (OTLP numbers kinds from the API's + 1), then the tag of start_time_unix_nano (fixed64). */
const KIND_CLIENT_AND_START_TAG = Buffer.from([6 << 3, 3, (7 << 3) | 1]);
/** Span.flags: the W3C trace flags and "has is_remote" (the statement's parent, the session span, is local). */
const FLAGS_HAS_IS_REMOTE = 0x100;
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;
/**
 * Per session, the (shape, decision) combinations whose joined fragments are kept: few, as every
 * open session holds its own (up to some 2.5 KB each with a long query text); a session that runs
 * more shapes than this joins them again (the encoder's cost before fragments were joined).
 */
const MAX_FRAGMENTS_PER_SESSION = 8;
const SPAN_ATTRIBUTES_FIELD = 9;
const EVENT_ATTRIBUTES_FIELD = 3;
const EVENT_NAME_FIELD = 2;

/** What every statement span of a session shares, encoded once per session. */
export interface LeanSession {
  /** Span fields 1 (trace_id) and the tag and length of field 2 (span_id): the span's first bytes. */
  readonly head: Buffer;
  readonly traceIdHex: string;
  /** Span field 4: parent_span_id, the session span's id. */
  readonly parent: Buffer;
  readonly traceFlags: number;
  /** The session's attributes (principal, session id) as span attribute entries. */
  readonly attributes: Buffer;
  /**
   * The span's last bytes, after its events: dropped events and links counts (0), status, flags;
   * `[0]` with status UNSET, `[1]` with status ERROR.
   */
  readonly tails: readonly [Buffer, Buffer];
}

/**
 * A statement span's bytes that depend only on its session, shape and decision, joined once per
 * combination (the encoder copies two fragments instead of six).
 */
export interface SpanFragments {
  /** parent_span_id, name, kind and the tag of start_time_unix_nano. */
  readonly lead: Buffer;
  /** The shape's, the session's and the decision's attributes, in that order (as the SDK span holds them). */
  readonly attributes: Buffer;
}

/** A statement shape's span name and attributes as OTLP bytes, encoded on first use. */
export interface EncodedShape {
  readonly name: Buffer;
  readonly attributes: Buffer;
}

export interface LeanEvent {
  /** Name as Event field 2, attributes as Event field 3 entries. */
  readonly name: Buffer;
  readonly time: number;
  readonly attributes: Buffer;
}

/** The attributes statements add (result, rows, error code…), as span attribute entries. */
const ADDED_ATTRIBUTES = new AttributeEntries(SPAN_ATTRIBUTES_FIELD);

/** Where ended lean spans go (the statement span exporter). */
export interface LeanSpanSink {
  add(span: LeanStatementSpan): void;
}

/**
 * A statement span as a plain record: ids as numbers, times as epoch milliseconds, the attribute
 * sets that repeat as bytes already encoded (shape, session, decision), and the few attributes an
 * execution adds as key/value pairs. The encoder (statement-span-encoder.ts) writes it as the same
 * OTLP Span the SDK would have exported for it.
 */
export class LeanStatementSpan implements StatementSpan {
  readonly session: LeanSession;
  readonly fragments: SpanFragments;
  readonly idHigh: number;
  readonly idLow: number;
  readonly startTime: number;
  endTime = 0;
  /** Attributes set after the start, in the order set: key, encoded entry, key, encoded entry… */
  added: (string | Buffer)[] | undefined;
  events: LeanEvent[] | undefined;
  error = false;
  readonly #sink: LeanSpanSink;
  #ended = false;
  #context: SpanContext | undefined;

  constructor(sink: LeanSpanSink, session: LeanSession, fragments: SpanFragments, ids: SpanIdWords, startTime: number) {
    this.#sink = sink;
    this.session = session;
    this.fragments = fragments;
    let high = ids.word();
    let low = ids.word();
    while (high === 0 && low === 0) {
      high = ids.word();
      low = ids.word();
    }
    this.idHigh = high;
    this.idLow = low;
    this.startTime = startTime;
  }

  spanContext(): SpanContext {
    this.#context ??= { traceId: this.session.traceIdHex, spanId: spanIdHex(this.idHigh, this.idLow), traceFlags: this.session.traceFlags };
    return this.#context;
  }

  isRecording(): boolean {
    return !this.#ended;
  }

  setAttribute(key: string, value: AttributeValue): void {
    if (this.#ended || value === undefined || value === null) return;
    // Encoded now: a value the caller changes later (an array) is exported as it was, as the SDK copies it.
    const entry = ADDED_ATTRIBUTES.of(key, value);
    const added = (this.added ??= []);
    // Set again: the value changes in place, as with the SDK (the attribute keeps its position).
    for (let i = 0; i < added.length; i += 2) {
      if (added[i] === key) {
        added[i + 1] = entry;
        return;
      }
    }
    added.push(key, entry);
  }

  addEvent(name: string, attributes: Attributes, time: number): void {
    if (this.#ended) return;
    (this.events ??= []).push({ name: eventName(name), time, attributes: encodeAttributes(attributes, EVENT_ATTRIBUTES_FIELD) });
  }

  setError(): void {
    if (!this.#ended) this.error = true;
  }

  childContext(): Context {
    return trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext(this.spanContext()));
  }

  end(time: number): void {
    if (this.#ended) return;
    this.#ended = true;
    // An end before the start is a zero-length span, as the SDK makes it.
    this.endTime = time < this.startTime ? this.startTime : time;
    this.#sink.add(this);
  }
}

/** Decisions compared field by field before their key is built, and decisions kept by key. */
const RECENT_DECISIONS = 16;
const MAX_CACHED_DECISIONS = 4_096;

/**
 * The decision's span attributes, encoded once per distinct decision. The decider hands out a new
 * Decision object per statement whenever the classifier's actions are not cached (every literal
 * varies), so decisions are matched by content: first against the few seen last, field by field
 * (no string built), then by a key over everything the attributes are made of.
 */
class DecisionEncodings {
  readonly #recent: { decision: Decision; encoded: Buffer }[] = [];
  #next = 0;
  readonly #byKey = new Map<string, Buffer>();

  of(outcome: StatementOutcome): Buffer {
    const decision = outcome.decision;
    const recent = this.#recent;
    for (let i = 0; i < recent.length; i++) {
      const entry = recent[i]!;
      if (entry.decision === decision || sameDecisionAttributes(entry.decision, decision)) return entry.encoded;
    }
    const key = decisionKey(decision);
    let encoded = this.#byKey.get(key);
    if (!encoded) {
      encoded = encodeAttributes(decisionAttributes(outcome), SPAN_ATTRIBUTES_FIELD);
      // Policies have a bounded set of rules, factors and scores; past the bound, start over.
      if (this.#byKey.size >= MAX_CACHED_DECISIONS) this.#byKey.clear();
      this.#byKey.set(key, encoded);
    }
    if (recent.length < RECENT_DECISIONS) recent.push({ decision, encoded });
    else {
      recent[this.#next] = { decision, encoded };
      this.#next = (this.#next + 1) % RECENT_DECISIONS;
    }
    return encoded;
  }
}

/** Equal in everything decisionAttributes() puts on a span. */
function sameDecisionAttributes(a: Decision, b: Decision): boolean {
  if (a.effect !== b.effect || !Object.is(a.risk.score, b.risk.score)) return false;
  if (a.rules.length !== b.rules.length || a.risk.factors.length !== b.risk.factors.length || a.observed.length !== b.observed.length) return false;
  for (let i = 0; i < a.rules.length; i++) if (a.rules[i] !== b.rules[i]) return false;
  for (let i = 0; i < a.risk.factors.length; i++) if (a.risk.factors[i]!.name !== b.risk.factors[i]!.name) return false;
  for (let i = 0; i < a.observed.length; i++) if (a.observed[i]!.rule !== b.observed[i]!.rule || a.observed[i]!.effect !== b.observed[i]!.effect) return false;
  return true;
}

/** What the decision's span attributes are made of, as a string (each part length-prefixed: no two decisions share one). */
function decisionKey(decision: Decision): string {
  let key = `${decision.effect}|${decision.risk.score}`;
  for (const rule of decision.rules) key += `|r${rule.length}:${rule}`;
  for (const factor of decision.risk.factors) key += `|f${factor.name.length}:${factor.name}`;
  for (const observed of decision.observed) key += `|o${observed.rule.length}:${observed.rule}:${observed.effect}`;
  return key;
}

/**
 * Span fields 12 and 14 (dropped events and links counts, always written, as the SDK's serializer
 * does), 15 (status { code }) and 16 (flags, fixed32).
 */
function spanTail(traceFlags: number, status: number): Buffer {
  const flags = (traceFlags & 0xff) | FLAGS_HAS_IS_REMOTE;
  const tail = new ProtoWriter(14);
  for (const field of [12, 14]) {
    tail.tag(field, WIRE_VARINT);
    tail.varint(0);
  }
  tail.tag(15, WIRE_LENGTH_DELIMITED);
  tail.varint(2);
  tail.tag(3, WIRE_VARINT);
  tail.varint(status);
  tail.tag(16, WIRE_FIXED32);
  tail.fixed32(flags);
  return tail.finish();
}

/** Event names are few (the policy decision): encoded once each. */
const EVENT_NAMES = new Map<string, Buffer>();
function eventName(name: string): Buffer {
  let encoded = EVENT_NAMES.get(name);
  if (!encoded) {
    encoded = encodeStringField(EVENT_NAME_FIELD, name);
    if (EVENT_NAMES.size < 64) EVENT_NAMES.set(name, encoded);
  }
  return encoded;
}

/**
 * Statement spans as lean records, for sessions with a recording session span; other sessions
 * (an unsampled one, or one whose start was not seen) get the fallback's spans. Shapes and
 * decisions are frozen objects the hooks and the decider hand out again and again: their
 * encodings are cached by identity.
 */
export class LeanStatementTracer implements StatementTracer {
  readonly #fallback: StatementTracer;
  readonly #sink: LeanSpanSink;
  readonly #ids: SpanIdWords;
  readonly #shapes = new WeakMap<StatementShape, EncodedShape>();
  readonly #decisions = new DecisionEncodings();

  /** `ids`: random by default (tests give ids of their own). */
  constructor(sink: LeanSpanSink, fallback: StatementTracer, ids: SpanIdWords = new SpanIdSource()) {
    this.#sink = sink;
    this.#fallback = fallback;
    this.#ids = ids;
  }

  forSession(parent: Context, sessionSpan: Span | undefined, sessionAttributes: Attributes): SessionStatementSpans {
    if (!sessionSpan?.isRecording()) return this.#fallback.forSession(parent, sessionSpan, sessionAttributes);
    const context = sessionSpan.spanContext();
    const session: LeanSession = {
      head: Buffer.concat([Buffer.from([0x0a, 16]), Buffer.from(context.traceId, 'hex'), Buffer.from([0x12, 8])]),
      traceIdHex: context.traceId,
      parent: Buffer.concat([Buffer.from([0x22, 8]), Buffer.from(context.spanId, 'hex')]),
      traceFlags: context.traceFlags,
      attributes: encodeAttributes(sessionAttributes, SPAN_ATTRIBUTES_FIELD),
      tails: [spanTail(context.traceFlags, STATUS_UNSET), spanTail(context.traceFlags, STATUS_ERROR)],
    };
    /** The session's fragments by shape, with the decision they were joined with (a shape's decision rarely changes). */
    const joined = new Map<StatementShape, { readonly decision: Buffer; readonly fragments: SpanFragments }>();
    return {
      start: (shape, outcome, startedAt) => {
        const decision = this.#decision(outcome);
        let known = joined.get(shape);
        if (known?.decision !== decision) {
          const encoded = this.#shape(shape);
          known = {
            decision,
            fragments: {
              lead: Buffer.concat([session.parent, encoded.name, KIND_CLIENT_AND_START_TAG]),
              attributes: Buffer.concat([encoded.attributes, session.attributes, decision]),
            },
          };
          if (joined.size >= MAX_FRAGMENTS_PER_SESSION) joined.clear();
          joined.set(shape, known);
        }
        return new LeanStatementSpan(this.#sink, session, known.fragments, this.#ids, startedAt);
      },
    };
  }

  #shape(shape: StatementShape): EncodedShape {
    let encoded = this.#shapes.get(shape);
    if (!encoded) {
      encoded = { name: encodeStringField(SPAN_NAME_FIELD, shape.spanName), attributes: encodeAttributes(shape.spanAttributes, SPAN_ATTRIBUTES_FIELD) };
      this.#shapes.set(shape, encoded);
    }
    return encoded;
  }

  #decision(outcome: StatementOutcome): Buffer {
    return this.#decisions.of(outcome);
  }
}
