/** Timing helpers: per-batch timing with percentiles, so sub-microsecond clock overhead washes out. */

export interface Timing {
  readonly p50Us: number;
  readonly p99Us: number;
  readonly meanUs: number;
  readonly ops: number;
}

/**
 * Runs `op(i)` in batches of `batch` after a warm-up and reports per-op percentiles over batches.
 * The call index is passed through so callers can rotate inputs; it never repeats within a run.
 */
export function measure(op: (i: number) => unknown, options: { batches?: number; batch?: number; warmup?: number } = {}): Timing {
  const batches = options.batches ?? 200;
  const batch = options.batch ?? 50;
  const warmup = options.warmup ?? 2_000;
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink ^= op(i) === undefined ? 0 : 1;
  const perOp: number[] = [];
  let i = warmup; // measured calls get inputs the warm-up did not see
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) sink ^= op(i++) === undefined ? 0 : 1;
    perOp.push(Number(process.hrtime.bigint() - start) / 1000 / batch);
  }
  if (sink === -1) console.log(sink); // keeps the results observable so nothing is optimised away
  perOp.sort((a, b) => a - b);
  const mean = perOp.reduce((sum, value) => sum + value, 0) / perOp.length;
  return { p50Us: percentile(perOp, 0.5), p99Us: percentile(perOp, 0.99), meanUs: mean, ops: batches * batch };
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function formatUs(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}
