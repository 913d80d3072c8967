import { MongoClient } from 'mongodb';
import { startMongo } from '@gatehouse/testkit';
import { median } from '../stats.js';
import { startTcpRelay } from '../tcp-relay.js';
import { startMongoBenchGateway } from './mongo-gateway.js';

export interface MongoCpuOptions {
  readonly seconds?: number;
  readonly rounds?: number;
  readonly concurrency?: number;
  /** Any of direct, relay, gatehouse; default relay and gatehouse. */
  readonly targets?: readonly string[];
}

const DOCUMENTS = 1_000;

/**
 * find-by-_id against each target in turn, reporting this process's CPU (user + system) per
 * operation. The driver costs the same for every target, so relay vs Gatehouse isolates the
 * gateway's own work; the server runs in another process and is not counted.
 */
export async function runMongoCpu(options: MongoCpuOptions): Promise<string> {
  const seconds = options.seconds ?? 4;
  const rounds = options.rounds ?? 2;
  const concurrency = options.concurrency ?? 8;
  const targets = options.targets ?? ['relay', 'gatehouse'];
  const server = await startMongo();
  const relay = await startTcpRelay({ host: server.host, port: server.port });
  const gateway = await startMongoBenchGateway(server);
  const urls: Record<string, string> = {
    direct: server.url,
    relay: `mongodb://127.0.0.1:${relay.port}/?directConnection=true`,
    gatehouse: `mongodb://127.0.0.1:${gateway.port}/?directConnection=true&authMechanism=PLAIN&authSource=%24external`,
  };
  const clients = new Map<string, MongoClient>();
  for (const target of targets) {
    const url = urls[target];
    if (!url) throw new Error(`unknown target ${target}: use direct, relay or gatehouse`);
    clients.set(
      target,
      new MongoClient(url, { maxPoolSize: concurrency, ...(target === 'gatehouse' ? { auth: { username: gateway.user, password: gateway.token } } : {}) }),
    );
  }
  const rows = new Map<string, { cpu: number[]; ops: number[] }>();
  try {
    for (const client of clients.values()) await client.connect();
    const seed = new MongoClient(server.url);
    await seed.connect();
    const docs = seed.db('bench').collection('docs');
    await docs.drop().catch(() => undefined);
    await docs.insertMany(Array.from({ length: DOCUMENTS }, (_, id) => ({ _id: id as never, name: `customer ${id}`, email: `c${id}@example.com`, balance: id * 3 })));
    await seed.close();
    for (let round = 0; round < rounds; round++) {
      for (const [target, client] of clients) {
        const collection = client.db('bench').collection('docs');
        const op = (worker: number, i: number) => collection.findOne({ _id: ((worker * 7919 + i * 104729) % DOCUMENTS) as never });
        await loop(1, concurrency, op);
        const before = process.cpuUsage();
        const { done, elapsed } = await loop(seconds, concurrency, op);
        const used = process.cpuUsage(before);
        const row = rows.get(target) ?? { cpu: [], ops: [] };
        row.cpu.push((used.user + used.system) / done);
        row.ops.push(done / elapsed);
        rows.set(target, row);
      }
    }
  } finally {
    for (const client of clients.values()) await client.close().catch(() => undefined);
    await gateway.stop();
    await relay.stop();
    await server.stop();
  }
  const lines = ['| target | process CPU µs/op (median) | per round | ops/s (median) |', '| --- | ---: | --- | ---: |'];
  for (const [target, row] of rows) {
    lines.push(`| ${target} | ${median(row.cpu).toFixed(1)} | ${row.cpu.map((value) => value.toFixed(1)).join(', ')} | ${Math.round(median(row.ops))} |`);
  }
  return lines.join('\n');
}

async function loop(seconds: number, concurrency: number, op: (worker: number, i: number) => Promise<unknown>): Promise<{ done: number; elapsed: number }> {
  const started = performance.now();
  const deadline = started + seconds * 1_000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        await op(worker, i);
        done++;
      }
    }),
  );
  return { done, elapsed: (performance.now() - started) / 1_000 };
}
