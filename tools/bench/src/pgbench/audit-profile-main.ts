// Where the audit trail's cost goes under pgbench -S (diagnosis, not a figure for docs):
//   node --conditions=@gatehouse/source --import tsx tools/bench/src/pgbench/audit-profile-main.ts [seconds] [variant] [--profile]
// variant: audit-async (default) | audit-before-forward | gatehouse (audit off). --rate=N runs
// pgbench at a fixed N transactions/s (-R): on a loaded machine, CPU per transaction is only
// comparable between variants at the same rate. Prints the gateway
// process's CPU per transaction (all threads: the embedded store's worker included) per protocol.
// With --profile, also run under `node --cpu-prof --cpu-prof-dir=DIR` to get one .cpuprofile per
// thread (the gateway's and the PGlite worker's); hot spots of this thread are printed.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchDatabase } from './bench-database.js';
import { cpuProfile, hotSpots } from './cpu-profile.js';
import { parsePgbenchOutput, runPgbench } from './pgbench-client.js';
import type { PgbenchEndpoint, PgbenchProtocol, PgbenchResult } from './pgbench-client.js';
import { runProgram } from './run-program.js';
import { ownCpu } from './process-cpu.js';
import { gatehouseTarget, gatehouseVariantTarget } from './targets.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const args = process.argv.slice(2);
const profile = args.includes('--profile');
const rate = Number(args.find((arg) => arg.startsWith('--rate='))?.slice('--rate='.length) ?? 0);
const [seconds = '5', variant = 'audit-async'] = args.filter((arg) => !arg.startsWith('--'));
const policyFile = fileURLToPath(new URL('../../../../apps/gateway/demo/policy.yaml', import.meta.url));

/** pgbench -S as runPgbench runs it, throttled to `rate` transactions/s when one is given. */
async function pgbench(endpoint: PgbenchEndpoint, protocol: PgbenchProtocol, runSeconds: number): Promise<PgbenchResult> {
  if (rate <= 0) return runPgbench(endpoint, protocol, runSeconds);
  const output = await runProgram(
    'pgbench',
    ['-n', '-S', '-M', protocol, '-c', '4', '-j', '2', '-R', String(rate), '-T', String(runSeconds), '-h', '127.0.0.1', '-p', String(endpoint.port), '-U', endpoint.user, endpoint.database],
    { env: { ...process.env, PGPASSWORD: endpoint.password, PGSSLMODE: endpoint.sslmode, PGCONNECT_TIMEOUT: '10' }, timeoutMs: (runSeconds + 60) * 1000 },
  );
  return parsePgbenchOutput(output);
}

/** CPU per thread of this process (µs), from /proc: which thread (gateway, store worker) pays. */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(`${tid} ${comm}`, (Number(fields[11]) + Number(fields[12])) * 10_000);
      out.set(`${tid} ${comm} sys`, Number(fields[12]) * 10_000);
      const io = readFileSync(`/proc/self/task/${tid}/io`, 'utf8');
      out.set(`${tid} ${comm} syscw`, Number(/syscw: (\d+)/.exec(io)?.[1] ?? 0));
      out.set(`${tid} ${comm} syscr`, Number(/syscr: (\d+)/.exec(io)?.[1] ?? 0));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

const server = await startBenchDatabase();
try {
  const target =
    variant === 'gatehouse'
      ? await gatehouseTarget(server, policyFile, false)
      : await gatehouseVariantTarget(server, policyFile, variant === 'audit-before-forward' ? 'audit-before-forward' : 'audit-async');
  try {
    for (const protocol of ['simple', 'extended'] as const satisfies readonly PgbenchProtocol[]) {
      await pgbench(target.endpoint, protocol, 1);
      await target.settle?.();
      const before = ownCpu();
      const threadsBefore = threadCpu();
      const startedUs = process.hrtime.bigint() / 1000n;
      const run = await pgbench(target.endpoint, protocol, Number(seconds));
      const threadsAtEnd = threadCpu();
      // Queued audit work is part of the cost of the statements that queued it.
      await target.settle?.();
      const after = ownCpu();
      const threadsAfter = threadCpu();
      // For filtering `node --cpu-prof` profiles (all threads) to this window: V8 stamps samples with the same monotonic clock.
      console.log(`  window ${startedUs}..${process.hrtime.bigint() / 1000n} µs (monotonic)`);
      const user = (after.userUs - before.userUs) / run.transactions;
      const sys = (after.systemUs - before.systemUs) / run.transactions;
      console.log(
        `${variant} -M ${protocol}: ${run.tps.toFixed(0)} tps, ${run.latencyMs.toFixed(3)} ms, ${run.transactions} txns, process CPU ${(user + sys).toFixed(1)} µs/txn (${user.toFixed(1)} user + ${sys.toFixed(1)} sys)`,
      );
      for (const [thread, us] of threadsAfter) {
        const spent = us - (threadsBefore.get(thread) ?? 0);
        const during = (threadsAtEnd.get(thread) ?? us) - (threadsBefore.get(thread) ?? 0);
        if (spent / run.transactions >= 1) {
          console.log(`  thread ${thread}: ${(spent / run.transactions).toFixed(1)} µs/txn (${(during / run.transactions).toFixed(1)} during the run, the rest settling)`);
        }
      }
      if (profile) {
        const recorded = await cpuProfile(async () => {
          await pgbench(target.endpoint, protocol, Number(seconds));
          await target.settle?.();
        });
        const file = join(tmpdir(), `gatehouse-audit-${variant}-${protocol}-${Date.now()}.cpuprofile`);
        writeFileSync(file, JSON.stringify(recorded));
        const spots = hotSpots(recorded, REPO_ROOT);
        console.log(`  main thread busy ${spots.busyPercent.toFixed(0)} %; profile ${file}`);
        for (const area of spots.areas.slice(0, 10)) console.log(`  area ${area.name}: ${area.selfPercent.toFixed(1)} %`);
        for (const spot of spots.functions.slice(0, 30)) console.log(`  ${spot.selfPercent.toFixed(1).padStart(5)} %  ${spot.name}  ${spot.location}`);
      }
    }
    const stats = target.auditStats?.();
    if (stats) console.log(`audit: ${stats.committed} committed, ${stats.waits} waits, ${stats.depth} queued`);
  } finally {
    await target.stop();
  }
} finally {
  await server.stop();
}
