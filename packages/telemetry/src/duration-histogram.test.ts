import { DataPointType } from '@opentelemetry/sdk-metrics';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { DurationHistogram } from './duration-histogram.js';

const histogram = () => new DurationHistogram({ name: 'd', description: 'durations', unit: 's', boundaries: [0.001, 0.01, 0.1], scope: { name: 'test' } });

async function points(h: DurationHistogram) {
  const { resourceMetrics } = await h.collect();
  const metric = resourceMetrics.scopeMetrics[0]?.metrics[0] as HistogramMetricData | undefined;
  return metric;
}

describe('DurationHistogram (a metric producer for db.client.operation.duration)', () => {
  it('counts values into buckets with inclusive upper bounds, cumulatively, with sum, min and max', async () => {
    const h = histogram();
    const attributes = Object.freeze({ 'db.operation.name': 'SELECT' });
    for (const value of [0.0005, 0.001, 0.002, 0.5]) h.record(value, attributes);
    const metric = (await points(h))!;
    expect(metric.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(metric.descriptor).toMatchObject({ name: 'd', unit: 's' });
    expect(metric.dataPoints).toHaveLength(1);
    expect(metric.dataPoints[0]!.attributes).toEqual({ 'db.operation.name': 'SELECT' });
    expect(metric.dataPoints[0]!.value).toEqual({ buckets: { boundaries: [0.001, 0.01, 0.1], counts: [2, 1, 0, 1] }, sum: 0.5035, count: 4, min: 0.0005, max: 0.5 });
    h.record(0.05, attributes);
    expect((await points(h))!.dataPoints[0]!.value.count).toBe(5); // cumulative: nothing reset by a collection
  });

  it('makes one series of different objects with the same attributes, and one per attribute set', async () => {
    const h = histogram();
    h.record(0.002, { a: '1', b: 2 });
    h.record(0.002, { b: 2, a: '1' });
    h.record(0.002, { a: '1', b: 3 });
    const metric = (await points(h))!;
    expect(metric.dataPoints.map((point) => [point.attributes, point.value.count])).toEqual([
      [{ a: '1', b: 2 }, 2],
      [{ a: '1', b: 3 }, 1],
    ]);
  });

  it('reports nothing before the first record and ignores values a duration cannot have', async () => {
    const h = histogram();
    expect(await points(h)).toBeUndefined();
    h.record(-1, {});
    h.record(Number.NaN, {});
    expect(await points(h)).toBeUndefined();
  });
});
