import { readFileSync } from 'node:fs';
import type { Principal, SqlDialect, Target } from '@gatehouse/core';
import { SQL_DIALECTS } from '@gatehouse/core';
import { loadPolicy } from '@gatehouse/policy';
import { createSqlClassifier } from '@gatehouse/sql';
import { formatUs, measure } from './measure.js';
import type { Timing } from './measure.js';
import { oltpStatements } from './oltp-corpus.js';

const APP: Principal = { id: 'orders-service', groups: ['app'], kind: 'service', via: 'bench' };

export interface DecisionBenchRow {
  readonly dialect: SqlDialect;
  readonly cold: Timing;
  readonly fingerprintHit: Timing;
  readonly exactHit: Timing;
  readonly policyOnly: Timing;
}

/**
 * Classification and decision costs on the OLTP mix, per dialect:
 * cold (no cache: lex + parse + walk), a fingerprint-cache hit (same shapes, new literals) plus the
 * decision, an exact-text hit plus the decision, and policy evaluation alone.
 */
export async function runDecisionBench(policyFile: string): Promise<DecisionBenchRow[]> {
  const policy = loadPolicy(readFileSync(policyFile, 'utf8'), policyFile);
  const cached = await createSqlClassifier();
  const cold = await createSqlClassifier({ cacheEntries: 0 });
  const rows: DecisionBenchRow[] = [];
  for (const dialect of SQL_DIALECTS) {
    const target: Target = { connection: 'orders', environment: 'prod', dialect, database: 'app' };
    const context = { dialect, database: 'app' } as const;
    const shapes = oltpStatements(dialect, 0).length;
    // Distinct literal variants: every measured call is a new text with a known shape.
    const variants = Array.from({ length: 3_000 }, (_, n) => oltpStatements(dialect, n + 1)).flat();
    const fixed = oltpStatements(dialect, 0);
    for (const text of fixed) cached.classify(text, context); // learn the shapes
    const fixedActions = fixed.map((text) => cached.classify(text, context));

    // Per statement (batch of 1): the budget is a p50 over statements, and a batch over the mixed
    // corpus would report its mean, which the slowest shape (the join) dominates.
    const coldTiming = measure((i) => cold.classify(fixed[i % shapes]!, context), { batches: 2_000, batch: 1, warmup: 200 });
    const fingerprintHit = measure(
      (i) => policy.decide({ principal: APP, target, actions: cached.classify(variants[i % variants.length]!, context) }),
      { batches: 100, batch: 50, warmup: 1_000 },
    );
    const exactHit = measure((i) => policy.decide({ principal: APP, target, actions: cached.classify(fixed[i % shapes]!, context) }));
    const policyOnly = measure((i) => policy.decide({ principal: APP, target, actions: fixedActions[i % shapes]! }));
    rows.push({ dialect, cold: coldTiming, fingerprintHit, exactHit, policyOnly });
  }
  return rows;
}

export function decisionTable(rows: readonly DecisionBenchRow[]): string {
  const lines = [
    '| dialect | cold classification p50 (p99) µs | fingerprint hit + decision p50 (p99) µs | exact hit + decision p50 µs | policy only p50 µs |',
    '|---|---|---|---|---|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.dialect} | ${formatUs(row.cold.p50Us)} (${formatUs(row.cold.p99Us)}) | ${formatUs(row.fingerprintHit.p50Us)} (${formatUs(row.fingerprintHit.p99Us)}) | ${formatUs(row.exactHit.p50Us)} | ${formatUs(row.policyOnly.p50Us)} |`,
    );
  }
  return lines.join('\n');
}
