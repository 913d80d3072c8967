import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startMongo } from '@gatehouse/testkit';
import { cpuProfile } from '../pgbench/cpu-profile.js';
import { processCpu } from '../pgbench/process-cpu.js';
import { median } from '../stats.js';
import { startTcpRelay } from '../tcp-relay.js';
import { startLoadProcess } from './load-process.js';
import type { LoadProcess } from './load-process.js';
import { startMongoBenchGateway } from './mongo-gateway.js';

export interface MongoCpuOptions {
  readonly seconds?: number;
  readonly rounds?: number;
  readonly concurrency?: number;
  /** Any of direct, relay, gatehouse; default relay and gatehouse. */
  readonly targets?: readonly string[];
  /** After the rounds, run each target once more under the V8 profiler and save the .cpuprofile. */
  readonly profile?: boolean;
}

const DOCUMENTS = 1_000;

/**
 * find-by-_id through each target in turn, reporting this process's CPU (user + system) per
 * operation. The driver runs in a load process per target and the server in another process, so
 * what this process spends is the relay's or the gateway's work alone: relay vs Gatehouse is the
 * gateway's cost per operation beyond a bare pipe. The server's and the whole machine's CPU per
 * operation, the driver's latency and this event loop's delay tell whether a gap in ops/s is CPU
 * (the machine saturated) or waiting (the machine idle while operations take longer).
 */
export async function runMongoCpu(options: MongoCpuOptions): Promise<string> {
  const seconds = options.seconds ?? 4;
  const rounds = options.rounds ?? 2;
  const concurrency = options.concurrency ?? 8;
  const targets = options.targets ?? ['relay', 'gatehouse'];
  const server = await startMongo();
  const relay = await startTcpRelay({ host: server.host, port: server.port });
  const gateway = await startMongoBenchGateway(server);
  const count = String(concurrency);
  const docs = String(DOCUMENTS);
  const loadArgs: Record<string, readonly string[]> = {
    direct: [server.url, count, docs],
    relay: [`mongodb://127.0.0.1:${relay.port}/?directConnection=true`, count, docs],
    gatehouse: [`mongodb://127.0.0.1:${gateway.port}/?directConnection=true`, count, docs, gateway.user, gateway.token],
  };
  const loads = new Map<string, LoadProcess>();
  const rows = new Map<string, { cpu: number[]; user: number[]; driver: number[]; server: number[]; machine: number[]; ops: number[]; p50: number[]; p99: number[]; loopP99: number[] }>();
  const serverPid = pidListeningOn(server.port);
  const profiles: string[] = [];
  try {
    const seed = new MongoClient(server.url);
    await seed.connect();
    const collection = seed.db('bench').collection('docs');
    await collection.drop().catch(() => undefined);
    await collection.insertMany(Array.from({ length: DOCUMENTS }, (_, id) => ({ _id: id as never, name: `customer ${id}`, email: `c${id}@example.com`, balance: id * 3 })));
    await seed.close();
    for (const target of targets) {
      const args = loadArgs[target];
      if (!args) throw new Error(`unknown target ${target}: use direct, relay or gatehouse`);
      loads.set(target, await startLoadProcess(args));
    }
    for (let round = 0; round < rounds; round++) {
      for (const [target, load] of loads) {
        const request = { operation: 'find-by-_id', collection: 'unused', warmUp: false } as const;
        await load.run({ ...request, seconds: 1 });
        const loop = monitorEventLoopDelay({ resolution: 1 });
        loop.enable();
        const serverBefore = serverPid === undefined ? undefined : processCpu(serverPid);
        const machineBefore = machineCpuUs();
        const before = process.cpuUsage();
        const result = await load.run({ ...request, seconds });
        const used = process.cpuUsage(before);
        const machine = machineCpuUs() - machineBefore;
        const serverAfter = serverPid === undefined ? undefined : processCpu(serverPid);
        loop.disable();
        const row = rows.get(target) ?? { cpu: [], user: [], driver: [], server: [], machine: [], ops: [], p50: [], p99: [], loopP99: [] };
        row.cpu.push((used.user + used.system) / result.operations);
        row.user.push(used.user / result.operations);
        row.driver.push(result.driverCpuUsPerOp);
        row.server.push(serverBefore && serverAfter ? (serverAfter.userUs + serverAfter.systemUs - serverBefore.userUs - serverBefore.systemUs) / result.operations : Number.NaN);
        row.machine.push(machine / result.operations);
        row.ops.push(result.opsPerSecond);
        row.p50.push(result.p50Us);
        row.p99.push(result.p99Us);
        row.loopP99.push(loop.percentile(99) / 1_000);
        rows.set(target, row);
      }
    }
    if (options.profile) {
      for (const [target, load] of loads) {
        const profile = await cpuProfile(() => load.run({ operation: 'find-by-_id', collection: 'unused', warmUp: false, seconds }));
        const file = join(tmpdir(), `gatehouse-mongo-${target}-${Date.now()}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
        profiles.push(`${target}: ${file}`);
      }
    }
  } finally {
    for (const load of loads.values()) await load.stop().catch(() => undefined);
    await gateway.stop();
    await relay.stop();
    await server.stop();
  }
  const lines = [
    '| target | relay/gateway process CPU µs/op (median) | of it user | per round | driver process CPU µs/op | server process CPU µs/op | machine CPU µs/op | ops/s (median) | driver latency p50 / p99 µs | event-loop delay p99 µs |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [target, row] of rows) {
    lines.push(
      `| ${target} | ${median(row.cpu).toFixed(1)} | ${median(row.user).toFixed(1)} | ${row.cpu.map((value) => value.toFixed(1)).join(', ')} | ${median(row.driver).toFixed(1)} | ${median(row.server).toFixed(1)} | ${median(row.machine).toFixed(1)} | ${Math.round(median(row.ops))} | ${Math.round(median(row.p50))} / ${Math.round(median(row.p99))} | ${Math.round(median(row.loopP99))} |`,
    );
  }
  if (profiles.length > 0) lines.push('', 'Profiles (Chrome DevTools, speedscope):', ...profiles);
  return lines.join('\n');
}

/**
 * All CPUs' busy time so far (µs), from /proc/stat: what every process and the kernel used. The
 * first eight fields (user … steal) are the whole; guest time is already counted in user.
 */
function machineCpuUs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return (total - idle) * 10_000;
}

/** The process whose command line names `--port=<port>` (the test server), for its CPU; undefined if not found. */
function pidListeningOn(port: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(`--port=${port}`)) return Number(entry);
    } catch {
      // The process ended while listing.
    }
  }
  return undefined;
}
