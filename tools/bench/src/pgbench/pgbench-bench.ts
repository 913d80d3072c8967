import type { PostgresServer } from '@gatehouse/testkit';
import { runComparison } from './comparison.js';
import type { PgbenchProtocol } from './pgbench-client.js';
import { cpuText, pgbenchTable, pgbenchVerdicts, summarise } from './pgbench-table.js';
import { directTarget, gatehouseTarget, pgbouncerTarget, relayTarget } from './targets.js';
import type { PgbenchTarget } from './targets.js';
import { startBenchDatabase } from './bench-database.js';

export interface PgbenchBenchOptions {
  readonly policyFile: string;
  /** The main comparison: direct, relay, pgbouncer, Gatehouse, all plaintext. */
  readonly plaintext: boolean;
  /** The TLS variant: direct sslmode=require vs Gatehouse terminating TLS and verify-full upstream. */
  readonly tls: boolean;
  readonly seconds: number;
  readonly tlsSeconds: number;
  readonly rounds: number;
  readonly progress: (line: string) => void;
}

const PROTOCOLS: readonly PgbenchProtocol[] = ['simple', 'extended'];
/**
 * Unrecorded seconds per target and protocol before the rounds. One was too few for the gateway's
 * code to settle (JIT): after it, the gateway's first 3-second run at 6,000 tps cost ~10 µs more CPU
 * per transaction than its later runs (after 5 seconds: ~3 µs), which landed on round 1's figures.
 */
const WARMUP_SECONDS = 3;

/** pgbench -S against each target on one throwaway server; returns the markdown for the report. */
export async function runPgbenchBench(options: PgbenchBenchOptions): Promise<string> {
  options.progress('starting PostgreSQL and running pgbench -i -s 10 …');
  const server = await startBenchDatabase();
  const sections: string[] = [];
  try {
    sections.push(`PostgreSQL ${server.version}; pgbench -n -S, 4 clients (-c 4 -j 2), scale 10.\n`);
    if (options.plaintext) sections.push(await plaintextComparison(server, options));
    if (options.tls) sections.push(await tlsComparison(server, options));
  } finally {
    await server.stop();
  }
  return sections.join('\n');
}

async function plaintextComparison(server: PostgresServer, options: PgbenchBenchOptions): Promise<string> {
  const notes: string[] = [];
  const targets: PgbenchTarget[] = [directTarget(server, 'disable')];
  try {
    targets.push(await relayTarget(server));
    try {
      targets.push(await pgbouncerTarget(server));
    } catch (error) {
      // Without root (to install it) or the package, the comparison still has its reference: the relay.
      notes.push(`pgbouncer skipped: ${(error as Error).message}`);
    }
    targets.push(await gatehouseTarget(server, options.policyFile, false));
    const runs = await runComparison(targets, {
      protocols: PROTOCOLS,
      seconds: options.seconds,
      rounds: options.rounds,
      warmupSeconds: WARMUP_SECONDS,
      progress: options.progress,
    });
    const summaries = summarise(runs);
    return [
      `### pgbench -S, plaintext (${options.rounds} interleaved rounds × ${options.seconds} s per target and protocol)\n`,
      targets.map((target) => `- ${target.name}: ${target.detail}`).join('\n'),
      ...notes.map((note) => `- ${note}`),
      '',
      pgbenchTable(summaries),
      '',
      pgbenchVerdicts(summaries, runs),
      '',
    ].join('\n');
  } finally {
    await stopAll(targets);
  }
}

async function tlsComparison(server: PostgresServer, options: PgbenchBenchOptions): Promise<string> {
  const targets: PgbenchTarget[] = [directTarget(server, 'require')];
  try {
    targets.push(await gatehouseTarget(server, options.policyFile, true));
    const runs = await runComparison(targets, {
      protocols: PROTOCOLS,
      seconds: options.tlsSeconds,
      rounds: options.rounds,
      warmupSeconds: WARMUP_SECONDS,
      progress: options.progress,
    });
    const summaries = summarise(runs);
    const lines = [
      '| protocol | direct sslmode=require TPS | Gatehouse TLS both sides TPS | × direct | direct / Gatehouse latency ms | Gatehouse CPU µs/txn (user + sys) |',
      '|---|---:|---:|---:|---|---:|',
    ];
    for (const protocol of PROTOCOLS) {
      const direct = summaries.find((summary) => summary.protocol === protocol && summary.target === 'direct');
      const gatehouse = summaries.find((summary) => summary.protocol === protocol && summary.target === 'gatehouse');
      if (!direct || !gatehouse) continue;
      lines.push(
        `| ${protocol} | ${direct.medianTps.toFixed(0)} | ${gatehouse.medianTps.toFixed(0)} | ${(gatehouse.medianTps / direct.medianTps).toFixed(2)} | ${direct.meanLatencyMs.toFixed(3)} / ${gatehouse.meanLatencyMs.toFixed(3)} | ${cpuText(gatehouse.cpu)} |`,
      );
    }
    return [
      `### pgbench -S, TLS (${options.rounds} interleaved rounds × ${options.tlsSeconds} s)\n`,
      targets.map((target) => `- ${target.name}: ${target.detail}`).join('\n'),
      '',
      lines.join('\n'),
      '',
    ].join('\n');
  } finally {
    await stopAll(targets);
  }
}

async function stopAll(targets: readonly PgbenchTarget[]): Promise<void> {
  await Promise.all(targets.map((target) => target.stop().catch(() => undefined)));
}
