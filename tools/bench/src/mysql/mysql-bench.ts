import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMariadb } from '@gatehouse/testkit';
import type { MariadbServer } from '@gatehouse/testkit';
import { cpuProfile, hotSpots } from '../pgbench/cpu-profile.js';
import { median, shuffled } from '../stats.js';
import { startTcpRelay } from '../tcp-relay.js';
import { startMysqlBenchGateway } from './bench-gateway.js';
import { ensureSysbench, runSysbench, sysbenchPrepare } from './sysbench-client.js';
import type { SysbenchEndpoint, SysbenchResult, SysbenchWorkload } from './sysbench-client.js';

export interface MysqlBenchOptions {
  /** The policy the gateway decides with (the demo policy in `npm run bench`). */
  readonly policyFile: string;
  /** Seconds per sysbench run. */
  readonly seconds: number;
  /** Rounds; each visits every target once, in a fresh random order. */
  readonly rounds: number;
  /** sysbench threads (client connections); default 4. */
  readonly threads?: number;
  /** sbtest tables and rows per table; default 4 × 10 000. */
  readonly tables?: number;
  readonly tableSize?: number;
  /** An unrecorded run per target first (JIT, buffer pool, prepared statements settle); default 3 s. */
  readonly warmupSeconds?: number;
  /** After the comparison, profile the gateway's CPU (V8 profiler) during one more Gatehouse run. */
  readonly profile?: boolean;
  readonly progress?: (line: string) => void;
}

type TargetName = 'direct' | 'relay' | 'gatehouse';

interface Target {
  readonly name: TargetName;
  readonly endpoint: SysbenchEndpoint;
  /** True for targets that run in this process (relay, gateway): their CPU is this process's. */
  readonly inProcess: boolean;
}

interface Run {
  readonly round: number;
  readonly target: TargetName;
  readonly result: SysbenchResult;
  /** This process's CPU per transaction, µs (the relay's or the gateway's; absent for direct). */
  readonly cpuUsPerTransaction?: number;
}

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TARGETS: readonly TargetName[] = ['direct', 'relay', 'gatehouse'];

/**
 * `sysbench oltp_read_only` against MariaDB directly, through a bare Node TCP relay, and through
 * Gatehouse (the app's composition root, demo policy), interleaved in one run; returns the
 * markdown section for docs/benchmarks.md. Budget: Gatehouse ≥ 0.9 × relay.
 */
export async function runMysqlBench(options: MysqlBenchOptions): Promise<string> {
  const progress = options.progress ?? (() => undefined);
  const workload: SysbenchWorkload = { threads: options.threads ?? 4, tables: options.tables ?? 4, tableSize: options.tableSize ?? 10_000 };
  await ensureSysbench();
  progress('mysql: starting MariaDB …');
  const server = await startMariadb({ tls: false });
  const stops: Array<() => Promise<void>> = [];
  try {
    const direct: SysbenchEndpoint = { port: server.port, user: server.user, password: server.password, database: server.database };
    progress(`mysql: sysbench prepare (${workload.tables} tables × ${workload.tableSize} rows) …`);
    await sysbenchPrepare(direct, workload);
    const relay = await startTcpRelay(server);
    stops.push(() => relay.stop());
    const gateway = await startMysqlBenchGateway(server, options.policyFile);
    stops.push(() => gateway.stop());
    const targets: Target[] = [
      { name: 'direct', endpoint: direct, inProcess: false },
      { name: 'relay', endpoint: { ...direct, port: relay.port }, inProcess: true },
      { name: 'gatehouse', endpoint: { ...direct, port: gateway.port, user: gateway.user, password: gateway.token }, inProcess: true },
    ];
    const warmup = options.warmupSeconds ?? 3;
    if (warmup > 0) {
      for (const target of targets) {
        progress(`mysql: warm-up ${target.name} (${warmup} s)`);
        await runSysbench(target.endpoint, workload, warmup);
      }
    }
    const runs: Run[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const order = shuffled(targets);
      progress(`mysql: round ${round}/${options.rounds}: ${order.map((target) => target.name).join(' → ')}`);
      for (const target of order) {
        const before = process.cpuUsage();
        const result = await runSysbench(target.endpoint, workload, options.seconds);
        const used = process.cpuUsage(before);
        const cpuUsPerTransaction = target.inProcess ? (used.user + used.system) / result.transactions : undefined;
        const cpuText = cpuUsPerTransaction === undefined ? '' : `  proxy CPU ${cpuUsPerTransaction.toFixed(0)} µs/txn`;
        progress(`  ${target.name.padEnd(10)} ${result.tps.toFixed(0).padStart(6)} tps ${result.qps.toFixed(0).padStart(7)} qps  avg ${result.latencyAvgMs.toFixed(2)} ms${cpuText}`);
        runs.push({ round, target: target.name, result, ...(cpuUsPerTransaction !== undefined ? { cpuUsPerTransaction } : {}) });
      }
    }
    let report = comparisonTable(runs, workload, options, server);
    if (options.profile) {
      const gatehouse = targets.find((target) => target.name === 'gatehouse')!;
      report += `\n${await profileSection(gatehouse.endpoint, workload, options.seconds, progress)}`;
    }
    return report;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await server.stop();
  }
}

function comparisonTable(runs: readonly Run[], workload: SysbenchWorkload, options: MysqlBenchOptions, server: MariadbServer): string {
  const of = (target: TargetName) => runs.filter((run) => run.target === target);
  const tps = (target: TargetName) => median(of(target).map((run) => run.result.tps));
  // The ratio within each round (same minute, same machine state), then its median across rounds.
  const roundRatio = (target: TargetName, reference: TargetName): number =>
    median(
      [...new Set(runs.map((run) => run.round))].map((round) => {
        const a = runs.find((run) => run.round === round && run.target === target)!;
        const b = runs.find((run) => run.round === round && run.target === reference)!;
        return a.result.tps / b.result.tps;
      }),
    );
  const vsRelay = roundRatio('gatehouse', 'relay');
  const lines = [
    `MariaDB ${server.version}, sysbench 1.0.20 \`oltp_read_only\` (server-side prepared statements), ${workload.threads} threads, ` +
      `${workload.tables} tables × ${workload.tableSize} rows, ${options.seconds} s per run, ${options.rounds} interleaved rounds (random order per round), ` +
      'plaintext everywhere. Gatehouse: the app composition (`startGateway`), demo policy, principal `orders-service` (group app), log level info to a file.\n',
    '| target | median TPS | median QPS | median avg latency (ms) | median p95 (ms) | proxy CPU (µs/txn) | TPS per round |',
    '|---|---:|---:|---:|---:|---:|---|',
    ...TARGETS.map((target) => {
      const list = of(target);
      const cpu = list.flatMap((run) => (run.cpuUsPerTransaction === undefined ? [] : [run.cpuUsPerTransaction]));
      return `| ${target} | ${tps(target).toFixed(0)} | ${median(list.map((run) => run.result.qps)).toFixed(0)} | ${median(list.map((run) => run.result.latencyAvgMs)).toFixed(2)} | ${median(list.map((run) => run.result.latencyP95Ms)).toFixed(2)} | ${cpu.length ? median(cpu).toFixed(0) : '—'} | ${list.map((run) => run.result.tps.toFixed(0)).join(', ')} |`;
    }),
    '',
    `Gatehouse / relay (median of per-round ratios): **${vsRelay.toFixed(3)}** — budget ≥ 0.9: **${vsRelay >= 0.9 ? 'met' : 'missed'}**. ` +
      `Relay / direct: ${roundRatio('relay', 'direct').toFixed(3)}; Gatehouse / direct: ${roundRatio('gatehouse', 'direct').toFixed(3)}.`,
    '',
  ];
  return lines.join('\n');
}

async function profileSection(endpoint: SysbenchEndpoint, workload: SysbenchWorkload, seconds: number, progress: (line: string) => void): Promise<string> {
  progress(`mysql: profiling the gateway for ${seconds} s …`);
  let result: SysbenchResult | undefined;
  const profile = await cpuProfile(async () => {
    result = await runSysbench(endpoint, workload, seconds);
  });
  const file = join(tmpdir(), `gatehouse-gateway-mysql-${Date.now()}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  const spots = hotSpots(profile, REPO_ROOT);
  return [
    `### Gateway CPU under sysbench oltp_read_only: ${result!.tps.toFixed(0)} TPS under the profiler; gateway process busy ${spots.busyPercent.toFixed(0)} % of wall time`,
    `Profile: ${file}\n`,
    '| area | self % of busy |',
    '|---|---:|',
    ...spots.areas.slice(0, 12).map((area) => `| ${area.name} | ${area.selfPercent.toFixed(1)} |`),
    '',
    '| function | file | self % of busy | self % of JS |',
    '|---|---|---:|---:|',
    ...spots.functions
      .filter((spot) => spot.location !== '')
      .slice(0, 25)
      .map((spot) => `| ${spot.name} | ${spot.location} | ${spot.selfPercent.toFixed(1)} | ${spot.jsPercent.toFixed(1)} |`),
    '',
  ].join('\n');
}
