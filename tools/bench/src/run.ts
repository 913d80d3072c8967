import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BENCH_USAGE, BenchUsageError, parseBenchOptions } from './cli-options.js';
import type { BenchOptions } from './cli-options.js';

/**
 * `npm run bench`: every benchmark in one run, printed as markdown for docs/benchmarks.md
 * (progress goes to stderr, so `npm run bench > out.md` keeps only the report).
 * Budgets are DESIGN.md's ("Budgets"); each section states its own. Sections are imported when
 * chosen, so `--only masking` does not load the gateway.
 */
const policyFile = fileURLToPath(new URL('../../../apps/gateway/demo/policy.yaml', import.meta.url));

let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof BenchUsageError)) throw error;
  console.error(`bench: ${error.message}\n${BENCH_USAGE}`);
  process.exit(2);
}
const progress = (line: string): void => console.error(`[bench] ${line}`);
const started = Date.now();

const load = (): string => loadavg().map((value) => value.toFixed(1)).join(' / ');
console.log(`# Gatehouse benchmarks — node ${process.version}, ${availableParallelism()} CPUs, ${new Date().toISOString()}\n`);
// Other work on the machine moves TPS more than anything measured here: the report says how busy it was.
console.log(`Load average (1/5/15 min) at start: ${load()}\n`);
if (options.only.has('decision')) {
  progress('classification and decision …');
  console.log('## Classification and decision (OLTP mix, demo policy)\n');
  console.log('Budgets: cached decision (fingerprint hit) ≤ 5 µs p50; cold classification ≤ 100 µs p50 (postgres ≤ 50 µs).\n');
  const { decisionTable, runDecisionBench } = await import('./decision-bench.js');
  console.log(decisionTable(await runDecisionBench(policyFile)));
  console.log();
}
if (options.only.has('pgbench') || options.only.has('pgbench-tls')) {
  console.log('## pgbench -S through each target\n');
  console.log('Budget: Gatehouse ≥ 0.9 × the bare Node TCP relay in the same run; goal ≥ pgbouncer.\n');
  const { runPgbenchBench } = await import('./pgbench/pgbench-bench.js');
  console.log(
    await runPgbenchBench({
      policyFile,
      plaintext: options.only.has('pgbench'),
      tls: options.only.has('pgbench-tls'),
      seconds: options.seconds,
      tlsSeconds: options.tlsSeconds,
      rounds: options.rounds,
      progress,
    }),
  );
}
// Audit (off / async / before-forward) and telemetry (off / 100% sampled) cost, in one run.
if (options.only.has('pgbench-overhead')) {
  console.log('## Audit and telemetry overhead under pgbench -S\n');
  console.log('Budgets: async audit ≤ 10% TPS cost; telemetry at 100% sampling with batch export ≤ 10% TPS cost; before-forward reported as measured.\n');
  const { runOverheadBench } = await import('./pgbench/overhead-bench.js');
  console.log(await runOverheadBench({ policyFile, seconds: options.seconds, rounds: options.rounds, progress }));
}
// SQL Server (tedious point selects: direct, bare relay, Gatehouse).
if (options.only.has('mssql')) {
  progress('SQL Server point selects …');
  console.log('## SQL Server: tedious point selects through each target\n');
  console.log('Budget: Gatehouse ≥ 0.9 × the bare Node TCP relay in the same run.\n');
  const { runMssqlBench } = await import('./mssql/mssql-bench.js');
  console.log(await runMssqlBench({ seconds: options.seconds, rounds: options.rounds, tlsSeconds: options.tlsSeconds }));
  console.log();
}
if (options.only.has('masking')) {
  progress('masking …');
  console.log('## Masking\n');
  console.log('Budgets: ≥ 1 M column-rule values/s; content scan ≥ 100 MB/s per core; linear time on adversarial input.\n');
  const { maskingTable, runMaskingBench } = await import('./masking/masking-bench.js');
  console.log(maskingTable(runMaskingBench()));
  console.log();
}
if (options.only.has('profile')) {
  console.log('## Gateway CPU profile under pgbench -S (diagnosis)\n');
  const { profileGatewayUnderPgbench } = await import('./pgbench/gateway-profile.js');
  console.log(await profileGatewayUnderPgbench({ policyFile, seconds: options.seconds, progress }));
}
console.log(`Load average (1/5/15 min) at end: ${load()}; total ${((Date.now() - started) / 1000).toFixed(0)} s.`);
progress('done');
