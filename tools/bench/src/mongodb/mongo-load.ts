import type { Db } from 'mongodb';

export type Operation = 'find-by-_id' | 'insert';
export const OPERATIONS: readonly Operation[] = ['find-by-_id', 'insert'];

/** What the bench asks a load process to run, and what it answers. */
export interface LoadRequest {
  readonly operation: Operation;
  readonly seconds: number;
  /** Names the fresh insert collection (jongodb's insert cost grows with a collection). */
  readonly collection: string;
  /** Run a short warm-up first (default true); a caller timing the run itself warms up separately. */
  readonly warmUp?: boolean;
}
export interface LoadResult {
  readonly opsPerSecond: number;
  /** Operations completed in the measured run. */
  readonly operations: number;
  /** CPU (user + system) the load process used per operation: the driver's side of the cost. */
  readonly driverCpuUsPerOp: number;
  /** Latency of one operation as the driver saw it, median and 99th percentile (µs). */
  readonly p50Us: number;
  readonly p99Us: number;
}

/** Runs `op` from `concurrency` loops for `seconds`; returns completed operations and their rate. */
export async function measure(seconds: number, concurrency: number, op: (worker: number, i: number) => Promise<unknown>): Promise<LoadResult> {
  const deadline = performance.now() + seconds * 1_000;
  const started = performance.now();
  const cpu = process.cpuUsage();
  let done = 0;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const start = performance.now();
        await op(worker, i);
        latencies.push(performance.now() - start);
        done++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const percentile = (p: number): number => (latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? Number.NaN) * 1_000;
  return {
    opsPerSecond: done / ((performance.now() - started) / 1_000),
    operations: done,
    driverCpuUsPerOp: (used.user + used.system) / done,
    p50Us: percentile(0.5),
    p99Us: percentile(0.99),
  };
}

/** One bench operation on `db`: a point read by _id among `documents`, or an insert into `collection`. */
export function operationOn(db: Db, operation: Operation, documents: number, collection: string): (worker: number, i: number) => Promise<unknown> {
  const docs = db.collection('docs');
  const inserts = db.collection(collection);
  return operation === 'find-by-_id'
    ? (worker, i) => docs.findOne({ _id: ((worker * 7919 + i * 104729) % documents) as never })
    : (worker, i) => inserts.insertOne({ worker, i, email: `w${worker}.${i}@example.com` });
}
