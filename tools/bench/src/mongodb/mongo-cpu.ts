import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startMongo } from '@gatehouse/testkit';
import { cpuProfile } from '../pgbench/cpu-profile.js';
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
 * gateway's cost per operation beyond a bare pipe.
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
  const rows = new Map<string, { cpu: number[]; user: number[]; driver: number[]; ops: number[] }>();
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
        const before = process.cpuUsage();
        const result = await load.run({ ...request, seconds });
        const used = process.cpuUsage(before);
        const row = rows.get(target) ?? { cpu: [], user: [], driver: [], ops: [] };
        row.cpu.push((used.user + used.system) / result.operations);
        row.user.push(used.user / result.operations);
        row.driver.push(result.driverCpuUsPerOp);
        row.ops.push(result.opsPerSecond);
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
    '| target | relay/gateway process CPU µs/op (median) | of it user | per round | driver process CPU µs/op | ops/s (median) |',
    '| --- | ---: | ---: | --- | ---: | ---: |',
  ];
  for (const [target, row] of rows) {
    lines.push(
      `| ${target} | ${median(row.cpu).toFixed(1)} | ${median(row.user).toFixed(1)} | ${row.cpu.map((value) => value.toFixed(1)).join(', ')} | ${median(row.driver).toFixed(1)} | ${Math.round(median(row.ops))} |`,
    );
  }
  if (profiles.length > 0) lines.push('', 'Profiles (Chrome DevTools, speedscope):', ...profiles);
  return lines.join('\n');
}
