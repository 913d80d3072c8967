import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchDatabase } from './bench-database.js';
import { cpuProfile, hotSpots } from './cpu-profile.js';
import { runPgbench } from './pgbench-client.js';
import { ownCpu } from './process-cpu.js';
import type { PgbenchProtocol } from './pgbench-client.js';
import { gatehouseTarget } from './targets.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TOP = 25;

/**
 * Where the gateway spends its CPU under pgbench -S: the in-process gateway is profiled while
 * pgbench runs each protocol for `seconds`. Prints self-time hot spots and saves the
 * .cpuprofile (open it in Chrome DevTools or speedscope for the flame graph).
 */
export async function profileGatewayUnderPgbench(options: { policyFile: string; seconds: number; progress: (line: string) => void }): Promise<string> {
  options.progress('profile: starting PostgreSQL and running pgbench -i -s 10 …');
  const server = await startBenchDatabase();
  try {
    const target = await gatehouseTarget(server, options.policyFile, false);
    try {
      const sections: string[] = [];
      for (const protocol of ['simple', 'extended'] as const satisfies readonly PgbenchProtocol[]) {
        await runPgbench(target.endpoint, protocol, 2); // warm-up outside the profile
        // CPU per statement without the profiler: what an optimisation changes, and far less
        // disturbed by a loaded machine than TPS (pgbench -S runs one statement per transaction).
        options.progress(`profile: pgbench -M ${protocol} for ${options.seconds} s, gateway CPU per statement …`);
        const before = ownCpu();
        const plain = await runPgbench(target.endpoint, protocol, options.seconds);
        const after = ownCpu();
        const perStatement = {
          userUs: (after.userUs - before.userUs) / plain.transactions,
          systemUs: (after.systemUs - before.systemUs) / plain.transactions,
        };
        options.progress(`profile: pgbench -M ${protocol} for ${options.seconds} s under the profiler …`);
        let tps = 0;
        const profile = await cpuProfile(async () => {
          tps = (await runPgbench(target.endpoint, protocol, options.seconds)).tps;
        });
        const file = join(tmpdir(), `gatehouse-gateway-${protocol}-${Date.now()}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
        const spots = hotSpots(profile, REPO_ROOT);
        sections.push(
          [
            `### -M ${protocol}: ${tps.toFixed(0)} TPS under the profiler; gateway process busy ${spots.busyPercent.toFixed(0)} % of wall time`,
            `Without the profiler: ${plain.tps.toFixed(0)} TPS; gateway process CPU per statement ${(perStatement.userUs + perStatement.systemUs).toFixed(1)} µs (${perStatement.userUs.toFixed(1)} user + ${perStatement.systemUs.toFixed(1)} sys)\n`,
            `Profile: ${file}\n`,
            '| area (native = C++/syscalls, e.g. socket writes) | self % of busy |',
            '|---|---:|',
            ...spots.areas.slice(0, 12).map((area) => `| ${area.name} | ${area.selfPercent.toFixed(1)} |`),
            '',
            'Native frames (socket writes, GC) above; JavaScript functions by self time:\n',
            '| function | file | self % of busy | self % of JS |',
            '|---|---|---:|---:|',
            ...spots.functions
              .filter((spot) => spot.location !== '')
              .slice(0, TOP)
              .map((spot) => `| ${spot.name} | ${spot.location} | ${spot.selfPercent.toFixed(1)} | ${spot.jsPercent.toFixed(1)} |`),
            '',
          ].join('\n'),
        );
      }
      return sections.join('\n');
    } finally {
      await target.stop();
    }
  } finally {
    await server.stop();
  }
}
