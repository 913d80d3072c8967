import { mean, median } from '../stats.js';
import type { ComparisonRun } from './comparison.js';
import type { PgbenchProtocol } from './pgbench-client.js';
import type { CpuTime } from './process-cpu.js';
import type { TargetName } from './targets.js';

export interface TargetSummary {
  readonly target: TargetName;
  readonly protocol: PgbenchProtocol;
  readonly medianTps: number;
  readonly meanLatencyMs: number;
  readonly tpsRuns: readonly number[];
  /** Median proxy CPU per transaction, user and system µs; undefined for direct. */
  readonly cpu: CpuTime | undefined;
}

/** DESIGN.md: Gatehouse ≥ 0.9 × the bare relay; goal ≥ pgbouncer. */
const RELAY_BUDGET = 0.9;
const PROTOCOL_ORDER: readonly PgbenchProtocol[] = ['simple', 'extended'];
const TARGET_ORDER: readonly TargetName[] = ['direct', 'relay', 'pgbouncer', 'gatehouse'];

export function summarise(runs: readonly ComparisonRun[]): TargetSummary[] {
  const groups = new Map<string, ComparisonRun[]>();
  for (const run of runs) {
    const key = `${run.protocol}\u0000${run.target}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const summaries = [...groups.values()].map((group) => ({
    target: group[0]!.target,
    protocol: group[0]!.protocol,
    medianTps: median(group.map((run) => run.result.tps)),
    meanLatencyMs: mean(group.map((run) => run.result.latencyMs)),
    tpsRuns: group.map((run) => run.result.tps),
    cpu: group[0]!.cpuPerTransaction
      ? { userUs: median(group.map((run) => run.cpuPerTransaction?.userUs ?? 0)), systemUs: median(group.map((run) => run.cpuPerTransaction?.systemUs ?? 0)) }
      : undefined,
  }));
  // Table order is fixed (not the shuffled run order) so reports compare line by line.
  return summaries.sort(
    (a, b) => PROTOCOL_ORDER.indexOf(a.protocol) - PROTOCOL_ORDER.indexOf(b.protocol) || TARGET_ORDER.indexOf(a.target) - TARGET_ORDER.indexOf(b.target),
  );
}

/** One markdown table: a row per protocol and target, ratios against the relay and pgbouncer. */
export function pgbenchTable(summaries: readonly TargetSummary[]): string {
  const lines = [
    '| protocol | target | median TPS | mean latency ms | × relay | × pgbouncer | proxy CPU µs/txn (user + sys) | TPS per round |',
    '|---|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const summary of summaries) {
    const relay = find(summaries, summary.protocol, 'relay');
    const pgbouncer = find(summaries, summary.protocol, 'pgbouncer');
    lines.push(
      `| ${summary.protocol} | ${summary.target} | ${summary.medianTps.toFixed(0)} | ${summary.meanLatencyMs.toFixed(3)} | ${ratio(summary, relay)} | ${ratio(summary, pgbouncer)} | ${cpuText(summary.cpu)} | ${summary.tpsRuns.map((tps) => tps.toFixed(0)).join(', ')} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The budget verdicts, one line per protocol. Also the per-round ratio range: each round's
 * Gatehouse and relay runs were minutes apart at most, so that range shows how solid the median is.
 */
export function pgbenchVerdicts(summaries: readonly TargetSummary[], runs: readonly ComparisonRun[]): string {
  const lines: string[] = [];
  for (const protocol of new Set(summaries.map((summary) => summary.protocol))) {
    const gatehouse = find(summaries, protocol, 'gatehouse');
    const relay = find(summaries, protocol, 'relay');
    const pgbouncer = find(summaries, protocol, 'pgbouncer');
    if (!gatehouse) continue;
    const parts: string[] = [];
    if (relay) {
      const value = gatehouse.medianTps / relay.medianTps;
      const perRound = perRoundRatios(runs, protocol, 'relay');
      parts.push(
        `${value.toFixed(2)} × relay (budget ≥ ${RELAY_BUDGET}: ${value >= RELAY_BUDGET ? 'met' : 'MISSED'}; per round ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)})`,
      );
    }
    if (pgbouncer) {
      const value = gatehouse.medianTps / pgbouncer.medianTps;
      parts.push(`${value.toFixed(2)} × pgbouncer (goal ≥ 1: ${value >= 1 ? 'met' : 'not met'})`);
    }
    if (relay?.cpu && gatehouse.cpu) {
      const [own, reference] = [gatehouse.cpu.userUs + gatehouse.cpu.systemUs, relay.cpu.userUs + relay.cpu.systemUs];
      parts.push(`proxy CPU ${own.toFixed(1)} µs/txn vs relay ${reference.toFixed(1)} (${(own / reference).toFixed(2)}×)`);
    }
    if (parts.length > 0) lines.push(`- -M ${protocol}: Gatehouse ${parts.join('; ')}`);
  }
  return lines.join('\n');
}

function perRoundRatios(runs: readonly ComparisonRun[], protocol: PgbenchProtocol, reference: TargetName): number[] {
  const ratios: number[] = [];
  for (const run of runs) {
    if (run.protocol !== protocol || run.target !== 'gatehouse') continue;
    const other = runs.find((candidate) => candidate.round === run.round && candidate.protocol === protocol && candidate.target === reference);
    if (other) ratios.push(run.result.tps / other.result.tps);
  }
  return ratios;
}

function find(summaries: readonly TargetSummary[], protocol: PgbenchProtocol, target: TargetName): TargetSummary | undefined {
  return summaries.find((summary) => summary.protocol === protocol && summary.target === target);
}

export function cpuText(cpu: CpuTime | undefined): string {
  return cpu ? `${(cpu.userUs + cpu.systemUs).toFixed(1)} (${cpu.userUs.toFixed(1)} + ${cpu.systemUs.toFixed(1)})` : '—';
}

function ratio(summary: TargetSummary, reference: TargetSummary | undefined): string {
  return reference ? (summary.medianTps / reference.medianTps).toFixed(2) : '—';
}
