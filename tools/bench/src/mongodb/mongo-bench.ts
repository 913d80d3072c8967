import { MongoClient } from 'mongodb';
import { startMongo } from '@gatehouse/testkit';
import { median, shuffled } from '../stats.js';
import { startTcpRelay } from '../tcp-relay.js';
import { startMongoBenchGateway } from './mongo-gateway.js';
import { OPERATIONS } from './mongo-load.js';
import { startLoadProcess } from './load-process.js';
import type { LoadProcess } from './load-process.js';

export interface MongoBenchOptions {
  /** Seconds per (operation, target) measurement. Default 5. */
  readonly seconds?: number;
  /** Interleaved rounds; each round runs every target once, in shuffled order. Default 3. */
  readonly rounds?: number;
  /** Operations in flight at once (the driver's pool serves them). Default 8. */
  readonly concurrency?: number;
  /** Documents find-by-_id picks from. Default 1,000. */
  readonly documents?: number;
}

type TargetName = 'direct' | 'relay' | 'gatehouse';
const TARGETS: readonly TargetName[] = ['direct', 'relay', 'gatehouse'];

/**
 * find-by-_id and insertOne ops/s with the `mongodb` driver: straight to the server, through a bare
 * Node TCP relay, and through Gatehouse (policy decided per command, identity by PLAIN token), in
 * interleaved rounds within one run. Returns a markdown table (medians over rounds).
 */
export async function runMongoBench(options: MongoBenchOptions = {}): Promise<string> {
  const seconds = options.seconds ?? 5;
  const rounds = options.rounds ?? 3;
  const concurrency = options.concurrency ?? 8;
  const documents = options.documents ?? 1_000;
  const server = await startMongo();
  const relay = await startTcpRelay({ host: server.host, port: server.port });
  const gateway = await startMongoBenchGateway(server);
  const count = String(concurrency);
  const docs = String(documents);
  const setup = new MongoClient(server.url);
  const loads = new Map<TargetName, LoadProcess>();
  const results = new Map<string, number[]>();
  try {
    await setup.connect();
    const db = setup.db('bench');
    await db.collection('docs').drop().catch(() => undefined);
    await db.collection('docs').insertMany(Array.from({ length: documents }, (_, id) => ({ _id: id as never, name: `customer ${id}`, email: `c${id}@example.com`, balance: id * 3 })));
    // The driver runs in load processes of its own, as an application would: in this process it
    // would share one event loop with the relay and the gateway and pay for their work in latency.
    loads.set('direct', await startLoadProcess([server.url, count, docs]));
    loads.set('relay', await startLoadProcess([`mongodb://127.0.0.1:${relay.port}/?directConnection=true`, count, docs]));
    loads.set('gatehouse', await startLoadProcess([`mongodb://127.0.0.1:${gateway.port}/?directConnection=true`, count, docs, gateway.user, gateway.token]));
    for (let round = 0; round < rounds; round++) {
      for (const operation of OPERATIONS) {
        for (const target of shuffled(TARGETS)) {
          const { opsPerSecond, p50Us, p99Us, driverCpuUsPerOp } = await loads.get(target)!.run({ operation, seconds, collection: `inserts_${round}_${target}` });
          // Progress on stderr (the table goes to stdout): each run, with the driver's latency and CPU per op.
          process.stderr.write(
            `round ${round + 1} ${operation} ${target}: ${Math.round(opsPerSecond)} ops/s, p50 ${Math.round(p50Us)} µs, p99 ${Math.round(p99Us)} µs, driver ${driverCpuUsPerOp.toFixed(0)} µs CPU/op\n`,
          );
          const key = `${operation}/${target}`;
          results.set(key, [...(results.get(key) ?? []), opsPerSecond]);
        }
      }
    }
  } finally {
    for (const load of loads.values()) await load.stop().catch(() => undefined);
    await setup.close().catch(() => undefined);
    await gateway.stop();
    await relay.stop();
    await server.stop();
  }
  const lines = [
    `MongoDB (${server.kind}), mongodb driver in a separate process per target, ${concurrency} in flight, ${rounds} interleaved rounds × ${seconds} s, medians (ops/s)`,
    '',
    '| operation | direct | bare TCP relay | Gatehouse | Gatehouse / relay |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const operation of OPERATIONS) {
    const [direct, relayed, gated] = TARGETS.map((target) => median(results.get(`${operation}/${target}`) ?? []));
    lines.push(`| ${operation} | ${Math.round(direct!)} | ${Math.round(relayed!)} | ${Math.round(gated!)} | ${(gated! / relayed!).toFixed(2)} |`);
  }
  return lines.join('\n');
}
