import { shuffled } from '../stats.js';
import { runPgbench } from './pgbench-client.js';
import type { PgbenchProtocol, PgbenchResult } from './pgbench-client.js';
import type { CpuTime } from './process-cpu.js';
import type { PgbenchTarget, TargetName } from './targets.js';

export interface ComparisonOptions {
  readonly protocols: readonly PgbenchProtocol[];
  readonly seconds: number;
  readonly rounds: number;
  /** An unrecorded run per target and protocol first: JIT, caches and connections settle. */
  readonly warmupSeconds: number;
  readonly progress: (line: string) => void;
}

export interface ComparisonRun {
  readonly round: number;
  readonly target: TargetName;
  readonly protocol: PgbenchProtocol;
  readonly result: PgbenchResult;
  /** Proxy CPU per transaction, µs (absent for direct). */
  readonly cpuPerTransaction?: CpuTime;
}

export class PgbenchRunFailedError extends Error {}

/**
 * Runs pgbench against every target in rounds; within a round each protocol visits the targets in
 * a fresh random order, so drift (thermal, page cache, neighbours) spreads over all of them
 * instead of landing on whichever runs last.
 */
export async function runComparison(targets: readonly PgbenchTarget[], options: ComparisonOptions): Promise<ComparisonRun[]> {
  const once = async (target: PgbenchTarget, protocol: PgbenchProtocol, seconds: number): Promise<PgbenchResult> => {
    try {
      return await runPgbench(target.endpoint, protocol, seconds);
    } catch (error) {
      const log = target.diagnose?.();
      throw new PgbenchRunFailedError(`pgbench -M ${protocol} against ${target.name} failed: ${(error as Error).message}${log ? `\n${target.name} log:\n${log}` : ''}`, {
        cause: error,
      });
    }
  };
  if (options.warmupSeconds > 0) {
    for (const protocol of options.protocols) {
      for (const target of targets) await once(target, protocol, options.warmupSeconds);
    }
  }
  const runs: ComparisonRun[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const protocol of options.protocols) {
      const order = shuffled(targets);
      options.progress(`round ${round}/${options.rounds}, -M ${protocol}: ${order.map((target) => target.name).join(' → ')}`);
      for (const target of order) {
        const before = target.cpu?.();
        const result = await once(target, protocol, options.seconds);
        // Work the run queued (audit events still being committed) is part of its cost, and must not land on the next run.
        await target.settle?.();
        const after = target.cpu?.();
        const cpuPerTransaction =
          before && after
            ? { userUs: (after.userUs - before.userUs) / result.transactions, systemUs: (after.systemUs - before.systemUs) / result.transactions }
            : undefined;
        const cpuText = cpuPerTransaction ? `  proxy CPU ${cpuPerTransaction.userUs.toFixed(1)} user + ${cpuPerTransaction.systemUs.toFixed(1)} sys µs/txn` : '';
        options.progress(`  ${target.name.padEnd(10)} ${result.tps.toFixed(0).padStart(7)} tps  ${result.latencyMs.toFixed(3)} ms${cpuText}`);
        runs.push({ round, target: target.name, protocol, result, ...(cpuPerTransaction ? { cpuPerTransaction } : {}) });
      }
    }
  }
  return runs;
}
