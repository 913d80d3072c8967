import type { Attributes, Counter, Histogram, Meter, ObservableCallback, ObservableCounter, ObservableGauge, UpDownCounter } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, METRIC_DB_CLIENT_OPERATION_DURATION } from '@opentelemetry/semantic-conventions';
import { DurationHistogram } from './duration-histogram.js';
import {
  ATTR_GATEHOUSE_CONNECTION,
  ATTR_GATEHOUSE_DECISION_EFFECT,
  ATTR_GATEHOUSE_POLICY_RULES,
  ATTR_NETWORK_IO_DIRECTION,
  METRIC_APPROVALS_PENDING,
  METRIC_AUDIT_DROPPED,
  METRIC_AUDIT_QUEUE_DEPTH,
  METRIC_AUDIT_QUEUE_WAITS,
  METRIC_AUTHENTICATION_FAILURES,
  METRIC_CLIENT_IO,
  METRIC_MASKED_VALUES,
  METRIC_POLICY_DECISIONS,
  METRIC_SESSIONS_ACTIVE,
  METRIC_UPSTREAM_CONNECT_ERRORS,
} from './attribute-names.js';

/** semconv's recommended buckets for db.client.operation.duration (seconds). */
export const DURATION_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10] as const;

const DURATION_DESCRIPTION = 'Duration of database operations the gateway forwarded, from forwarding to the end of the response';

/** `db.client.operation.duration` as a metric producer: give it to every metric reader and to GatewayMetrics. */
export function durationHistogram(scope: string): DurationHistogram {
  return new DurationHistogram({ name: METRIC_DB_CLIENT_OPERATION_DURATION, description: DURATION_DESCRIPTION, unit: 's', boundaries: DURATION_BUCKETS_SECONDS, scope: { name: scope } });
}

/** A reading: a number now, or soon (a store query); a failing reading is skipped that time. */
export type GaugeReading = () => number | Promise<number>;

/**
 * Readings other parts of the gateway own: the approvals service knows how many requests wait,
 * the audit writer knows its queue. Each is read when metrics are collected (never pushed).
 */
export interface GaugeSources {
  readonly approvalsPending?: GaugeReading;
  readonly auditQueueDepth?: GaugeReading;
  /** Events the audit writer dropped since start (monotonic; should stay 0). */
  readonly auditDropped?: GaugeReading;
  /** Audit writes that waited for room in a full queue since start (monotonic): back-pressure. */
  readonly auditQueueWaits?: GaugeReading;
}

/** Decisions of one (connection, effect, rules) so far; read when metrics are collected. */
interface DecisionCount {
  readonly attributes: Attributes;
  count: number;
}

/**
 * The gateway's instruments. Labels are bounded by configuration (connections, rules, systems,
 * error codes) — never a principal, a statement text or a value.
 */
export class GatewayMetrics {
  /** The SDK's histogram, or (when given) one recorded without per-record attribute hashing. */
  readonly #duration: Histogram | DurationHistogram;
  /**
   * Counted here and observed at collection: a synchronous counter would have the SDK sort and
   * serialise the attribute set on every statement (its hashing has no bound-instrument shortcut).
   */
  readonly #decisions: ObservableCounter;
  /** connection → effect → rules label → count. */
  readonly #decisionCounts = new Map<string, Map<string, Map<string, DecisionCount>>>();
  readonly #connectionAttributes = new Map<string, Attributes>();
  readonly #authFailures: Counter;
  readonly #sessions: UpDownCounter;
  readonly #masked: Counter;
  readonly #connectErrors: Counter;
  readonly #clientIo: Counter;
  readonly #approvalsPending: ObservableGauge;
  readonly #auditQueueDepth: ObservableGauge;
  readonly #auditDropped: ObservableCounter;
  readonly #auditQueueWaits: ObservableCounter;

  /** `durations`: the duration histogram as a metric producer the readers were given (see durationHistogram()). */
  constructor(meter: Meter, durations?: DurationHistogram) {
    this.#duration =
      durations ??
      meter.createHistogram(METRIC_DB_CLIENT_OPERATION_DURATION, {
        description: DURATION_DESCRIPTION,
        unit: 's',
        advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
      });
    this.#decisions = meter.createObservableCounter(METRIC_POLICY_DECISIONS, { description: 'Policy decisions, by effect and rule', unit: '{decision}' });
    this.#decisions.addCallback((result) => {
      for (const byEffect of this.#decisionCounts.values()) {
        for (const byRules of byEffect.values()) for (const decided of byRules.values()) result.observe(decided.count, decided.attributes);
      }
    });
    this.#authFailures = meter.createCounter(METRIC_AUTHENTICATION_FAILURES, { description: 'Client logins refused', unit: '{failure}' });
    this.#sessions = meter.createUpDownCounter(METRIC_SESSIONS_ACTIVE, { description: 'Client sessions open now', unit: '{session}' });
    this.#masked = meter.createCounter(METRIC_MASKED_VALUES, { description: 'Values masked in results', unit: '{value}' });
    this.#connectErrors = meter.createCounter(METRIC_UPSTREAM_CONNECT_ERRORS, { description: 'Failed gateway logins to the database', unit: '{error}' });
    this.#clientIo = meter.createCounter(METRIC_CLIENT_IO, { description: 'Bytes on client connections (on the wire), counted when a session ends', unit: 'By' });
    this.#approvalsPending = meter.createObservableGauge(METRIC_APPROVALS_PENDING, { description: 'Approval requests waiting for a decision', unit: '{request}' });
    this.#auditQueueDepth = meter.createObservableGauge(METRIC_AUDIT_QUEUE_DEPTH, { description: 'Audit events waiting to be written', unit: '{event}' });
    this.#auditDropped = meter.createObservableCounter(METRIC_AUDIT_DROPPED, { description: 'Audit events dropped (should be zero)', unit: '{event}' });
    this.#auditQueueWaits = meter.createObservableCounter(METRIC_AUDIT_QUEUE_WAITS, {
      description: 'Audit writes that waited for room in a full queue (back-pressure on client statements)',
      unit: '{write}',
    });
  }

  operation(seconds: number, attributes: Attributes): void {
    this.#duration.record(seconds, attributes);
  }

  /** One decision; runs for every statement, so it costs three map lookups and an increment. */
  decision(connection: string, effect: string, rules: string): void {
    let byEffect = this.#decisionCounts.get(connection);
    if (!byEffect) this.#decisionCounts.set(connection, (byEffect = new Map()));
    let byRules = byEffect.get(effect);
    if (!byRules) byEffect.set(effect, (byRules = new Map()));
    const decided = byRules.get(rules);
    if (decided) decided.count++;
    else byRules.set(rules, { attributes: { [ATTR_GATEHOUSE_CONNECTION]: connection, [ATTR_GATEHOUSE_DECISION_EFFECT]: effect, [ATTR_GATEHOUSE_POLICY_RULES]: rules }, count: 1 });
  }

  authenticationFailed(connection: string, errorType: string): void {
    this.#authFailures.add(1, { [ATTR_GATEHOUSE_CONNECTION]: connection, [ATTR_ERROR_TYPE]: errorType });
  }

  sessionOpened(attributes: Attributes): void {
    this.#sessions.add(1, attributes);
  }

  sessionClosed(attributes: Attributes): void {
    this.#sessions.add(-1, attributes);
  }

  maskedValues(connection: string, count: number): void {
    if (count <= 0) return;
    let attributes = this.#connectionAttributes.get(connection);
    if (!attributes) this.#connectionAttributes.set(connection, (attributes = Object.freeze({ [ATTR_GATEHOUSE_CONNECTION]: connection })));
    this.#masked.add(count, attributes);
  }

  upstreamConnectFailed(connection: string, errorType: string, server: string, port: number): void {
    this.#connectErrors.add(1, { [ATTR_GATEHOUSE_CONNECTION]: connection, [ATTR_ERROR_TYPE]: errorType, [ATTR_SERVER_ADDRESS]: server, [ATTR_SERVER_PORT]: port });
  }

  clientBytes(connection: string, received: number, transmitted: number): void {
    if (received > 0) this.#clientIo.add(received, { [ATTR_GATEHOUSE_CONNECTION]: connection, [ATTR_NETWORK_IO_DIRECTION]: 'receive' });
    if (transmitted > 0) this.#clientIo.add(transmitted, { [ATTR_GATEHOUSE_CONNECTION]: connection, [ATTR_NETWORK_IO_DIRECTION]: 'transmit' });
  }

  /** Registers readings; returns a function that unregisters them (e.g. when their owner stops). */
  registerGauges(sources: GaugeSources): () => void {
    const registered: [ObservableGauge | ObservableCounter, ObservableCallback][] = [];
    const add = (instrument: ObservableGauge | ObservableCounter, read: GaugeReading | undefined): void => {
      if (!read) return;
      const callback: ObservableCallback = async (result) => {
        // A failing reading is skipped for this collection, never allowed to break the others.
        try {
          result.observe(await read());
        } catch {
          /* skipped */
        }
      };
      instrument.addCallback(callback);
      registered.push([instrument, callback]);
    };
    add(this.#approvalsPending, sources.approvalsPending);
    add(this.#auditQueueDepth, sources.auditQueueDepth);
    add(this.#auditDropped, sources.auditDropped);
    add(this.#auditQueueWaits, sources.auditQueueWaits);
    return () => {
      for (const [instrument, callback] of registered) instrument.removeCallback(callback);
    };
  }
}
