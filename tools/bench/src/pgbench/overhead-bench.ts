import { runComparison } from './comparison.js';
import type { ComparisonRun } from './comparison.js';
import type { PgbenchProtocol } from './pgbench-client.js';
import { cpuText, summarise } from './pgbench-table.js';
import type { TargetSummary } from './pgbench-table.js';
import { startBenchDatabase } from './bench-database.js';
import { startOtlpSink } from './otlp-sink.js';
import type { OtlpSink } from './otlp-sink.js';
import { directTarget, gatehouseTarget, gatehouseVariantTarget } from './targets.js';
import type { OverheadVariant, PgbenchTarget, TargetName } from './targets.js';
import type { BenchAuditStats } from './gatehouse-gateway.js';

export interface OverheadBenchOptions {
  readonly policyFile: string;
  readonly seconds: number;
  readonly rounds: number;
  readonly progress: (line: string) => void;
}

/** Issues #5 and #9: async audit and full telemetry may each cost at most 10% TPS. */
const OVERHEAD_BUDGET = 0.9;
const PROTOCOLS: readonly PgbenchProtocol[] = ['simple', 'extended'];
const VARIANTS: readonly OverheadVariant[] = ['audit-async', 'audit-before-forward', 'telemetry-100%'];
const ROW_ORDER: readonly TargetName[] = ['direct', 'gatehouse', ...VARIANTS];
/** Budgets per variant; before-forward has none (reported honestly: one durable commit per statement). */
const BUDGETED: ReadonlySet<TargetName> = new Set(['audit-async', 'telemetry-100%']);

/**
 * What the audit trail and telemetry cost, in one run: pgbench -S against Gatehouse with both off
 * (the baseline), with the audit trail in async and in before-forward mode, and with telemetry at
 * 100% sampling exporting to a local OTLP receiver; direct PostgreSQL for scale. Runs interleave
 * (runComparison shuffles targets within each round), so drift spreads over every variant.
 */
export async function runOverheadBench(options: OverheadBenchOptions): Promise<string> {
  options.progress('overhead: starting PostgreSQL and running pgbench -i -s 10 …');
  const server = await startBenchDatabase();
  let sink: OtlpSink | undefined;
  const targets: PgbenchTarget[] = [directTarget(server, 'disable')];
  try {
    sink = await startOtlpSink();
    targets.push(await gatehouseTarget(server, options.policyFile, false));
    for (const variant of VARIANTS) targets.push(await gatehouseVariantTarget(server, options.policyFile, variant, sink.url));
    const audited = new Map<TargetName, BenchAuditStats>();
    const runs = await runComparison(targets, {
      protocols: PROTOCOLS,
      seconds: options.seconds,
      rounds: options.rounds,
      warmupSeconds: 1,
      progress: options.progress,
    });
    for (const target of targets) {
      const stats = target.auditStats?.();
      if (stats) audited.set(target.name, stats);
    }
    const summaries = summarise(runs).sort((a, b) => a.protocol.localeCompare(b.protocol) || ROW_ORDER.indexOf(a.target) - ROW_ORDER.indexOf(b.target));
    const exported = await sink.counts();
    return [
      `### Audit and telemetry overhead, pgbench -S (${options.rounds} interleaved rounds × ${options.seconds} s per variant and protocol)\n`,
      `PostgreSQL ${server.version}; pgbench -n -S, 4 clients (-c 4 -j 2), scale 10; Gatehouse plaintext loopback, demo policy.\n`,
      targets.map((target) => `- ${target.name}: ${target.detail}`).join('\n'),
      '',
      overheadTable(summaries),
      '',
      overheadVerdicts(summaries, runs),
      ...[...audited].map(([name, stats]) => `- ${name}: ${stats.committed} audit events committed, ${stats.waits} writes waited for room (back-pressure), ${stats.dropped} dropped, ${stats.depth} still queued at the end`),
      `- OTLP receiver got ${Object.entries(exported.requests)
        .map(([signal, count]) => `${count} requests / ${((exported.bytes[signal] ?? 0) / 1024).toFixed(0)} KiB on ${signal}`)
        .join(', ') || 'nothing (telemetry did not export!)'}`,
      '',
    ].join('\n');
  } finally {
    await Promise.all(targets.map((target) => target.stop().catch(() => undefined)));
    await sink?.stop();
    await server.stop();
  }
}

function overheadTable(summaries: readonly TargetSummary[]): string {
  const lines = ['| protocol | variant | median TPS | mean latency ms | × Gatehouse baseline | gateway CPU µs/txn (user + sys) | TPS per round |', '|---|---|---:|---:|---:|---:|---|'];
  for (const summary of summaries) {
    const baseline = summaries.find((other) => other.protocol === summary.protocol && other.target === 'gatehouse');
    const ratio = baseline && summary.target !== 'direct' ? (summary.medianTps / baseline.medianTps).toFixed(2) : '—';
    lines.push(
      `| ${summary.protocol} | ${summary.target} | ${summary.medianTps.toFixed(0)} | ${summary.meanLatencyMs.toFixed(3)} | ${ratio} | ${cpuText(summary.cpu)} | ${summary.tpsRuns.map((tps) => tps.toFixed(0)).join(', ')} |`,
    );
  }
  return lines.join('\n');
}

/** One line per protocol and variant: the ratio to the baseline, the per-round range, the budget. */
function overheadVerdicts(summaries: readonly TargetSummary[], runs: readonly ComparisonRun[]): string {
  const lines: string[] = [];
  for (const protocol of PROTOCOLS) {
    const baseline = summaries.find((summary) => summary.protocol === protocol && summary.target === 'gatehouse');
    if (!baseline) continue;
    for (const variant of VARIANTS) {
      const summary = summaries.find((candidate) => candidate.protocol === protocol && candidate.target === variant);
      if (!summary) continue;
      const value = summary.medianTps / baseline.medianTps;
      const perRound = runs
        .filter((run) => run.protocol === protocol && run.target === variant)
        .map((run) => {
          const reference = runs.find((other) => other.round === run.round && other.protocol === protocol && other.target === 'gatehouse');
          return reference ? run.result.tps / reference.result.tps : Number.NaN;
        })
        .filter((ratio) => Number.isFinite(ratio));
      const budget = BUDGETED.has(variant) ? ` (budget ≥ ${OVERHEAD_BUDGET}: ${value >= OVERHEAD_BUDGET ? 'met' : 'MISSED'})` : ' (no budget: reported as measured)';
      const range = perRound.length > 0 ? `; per round ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)}` : '';
      lines.push(`- -M ${protocol}: ${variant} ${value.toFixed(2)} × baseline${budget}${range}`);
    }
  }
  return lines.join('\n');
}
