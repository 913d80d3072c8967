import type { Attributes, HrTime } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { CollectionResult, MetricProducer } from '@opentelemetry/sdk-metrics';

/** One attribute set's histogram so far (cumulative). */
interface Series {
  readonly attributes: Attributes;
  readonly counts: number[];
  sum: number;
  count: number;
  min: number;
  max: number;
}

export interface HistogramDescription {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  /** Inclusive upper bounds, ascending. */
  readonly boundaries: readonly number[];
  readonly scope: { readonly name: string };
}

/** Attribute sets beyond this many share one overflow series, as the SDK's cardinality limit does. */
const MAX_SERIES = 2_000;
const OVERFLOW: Attributes = Object.freeze({ 'otel.metric.overflow': true });

/**
 * A histogram recorded here and handed to the metric readers (OTLP and Prometheus) as a metric
 * producer. The SDK's histogram sorts and serialises the attribute set on every record (no bound
 * instruments in OpenTelemetry JS); `db.client.operation.duration` is recorded for every statement
 * with one of a few frozen attribute objects (statement-shapes.ts), so here a record is an
 * identity lookup and a bucket increment. Attribute objects seen for the first time are matched by
 * content, so two objects with the same attributes still make one series.
 */
export class DurationHistogram implements MetricProducer {
  readonly #description: HistogramDescription;
  readonly #startTime: HrTime = hrTime();
  readonly #byObject = new WeakMap<Attributes, Series>();
  readonly #byContent = new Map<string, Series>();

  constructor(description: HistogramDescription) {
    this.#description = description;
  }

  record(value: number, attributes: Attributes): void {
    if (!Number.isFinite(value) || value < 0) return;
    const series = this.#byObject.get(attributes) ?? this.#seriesOf(attributes);
    const boundaries = this.#description.boundaries;
    let bucket = 0;
    while (bucket < boundaries.length && value > boundaries[bucket]!) bucket++;
    series.counts[bucket]!++;
    series.sum += value;
    series.count++;
    if (value < series.min) series.min = value;
    if (value > series.max) series.max = value;
  }

  collect(): Promise<CollectionResult> {
    const endTime = hrTime();
    const { name, description, unit, boundaries, scope } = this.#description;
    const dataPoints = [...this.#byContent.values()]
      .filter((series) => series.count > 0)
      .map((series) => ({
        attributes: series.attributes,
        startTime: this.#startTime,
        endTime,
        value: { buckets: { boundaries: [...boundaries], counts: [...series.counts] }, sum: series.sum, count: series.count, min: series.min, max: series.max },
      }));
    return Promise.resolve({
      resourceMetrics: {
        // The reader keeps the SDK's resource; this one is never exported.
        resource: undefined as never,
        scopeMetrics:
          dataPoints.length === 0
            ? []
            : [
                {
                  scope,
                  metrics: [
                    {
                      descriptor: { name, description, unit, valueType: ValueType.DOUBLE },
                      aggregationTemporality: AggregationTemporality.CUMULATIVE,
                      dataPointType: DataPointType.HISTOGRAM,
                      dataPoints,
                    },
                  ],
                },
              ],
      },
      errors: [],
    });
  }

  #seriesOf(attributes: Attributes): Series {
    const key = JSON.stringify(Object.keys(attributes).sort().map((name) => [name, attributes[name]]));
    let series = this.#byContent.get(key);
    if (!series) {
      const overflow = this.#byContent.size >= MAX_SERIES;
      const overflowKey = JSON.stringify(Object.entries(OVERFLOW));
      series = overflow ? this.#byContent.get(overflowKey) : undefined;
      if (!series) {
        series = { attributes: overflow ? OVERFLOW : Object.freeze({ ...attributes }), counts: new Array<number>(this.#description.boundaries.length + 1).fill(0), sum: 0, count: 0, min: Infinity, max: -Infinity };
        this.#byContent.set(overflow ? overflowKey : key, series);
      }
    }
    this.#byObject.set(attributes, series);
    return series;
  }
}
