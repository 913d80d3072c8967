import { MongoClient } from 'mongodb';
import { startMongo } from '@gatehouse/testkit';
import { median, shuffled } from '../stats.js';
import { startTcpRelay } from '../tcp-relay.js';
import { startMongoBenchGateway } from './mongo-gateway.js';

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

type Operation = 'find-by-_id' | 'insert';
const OPERATIONS: readonly Operation[] = ['find-by-_id', 'insert'];
type TargetName = 'direct' | 'relay' | 'gatehouse';
const TARGETS: readonly TargetName[] = ['direct', 'relay', 'gatehouse'];

/** Runs `op` from `concurrency` loops for `seconds`; returns completed operations per second. */
async function measure(seconds: number, concurrency: number, op: (worker: number, i: number) => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + seconds * 1_000;
  const started = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        await op(worker, i);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1_000);
}

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
  const clients: Record<TargetName, MongoClient> = {
    direct: new MongoClient(server.url, { maxPoolSize: concurrency }),
    relay: new MongoClient(`mongodb://127.0.0.1:${relay.port}/?directConnection=true`, { maxPoolSize: concurrency }),
    gatehouse: new MongoClient(`mongodb://127.0.0.1:${gateway.port}/?directConnection=true`, {
      maxPoolSize: concurrency,
      auth: { username: gateway.user, password: gateway.token },
      authMechanism: 'PLAIN',
      authSource: '$external',
    }),
  };
  const results = new Map<string, number[]>();
  try {
    for (const client of Object.values(clients)) await client.connect();
    const db = clients.direct.db('bench');
    await db.collection('docs').drop().catch(() => undefined);
    await db.collection('docs').insertMany(Array.from({ length: documents }, (_, id) => ({ _id: id as never, name: `customer ${id}`, email: `c${id}@example.com`, balance: id * 3 })));
    for (let round = 0; round < rounds; round++) {
      for (const operation of OPERATIONS) {
        for (const target of shuffled(TARGETS)) {
          const db = clients[target].db('bench');
          const docs = db.collection('docs');
          // A fresh collection per measurement: jongodb's insert cost grows with the collection.
          const inserts = db.collection(`inserts_${round}_${target}`);
          const run =
            operation === 'find-by-_id'
              ? (worker: number, i: number) => docs.findOne({ _id: ((worker * 7919 + i * 104729) % documents) as never })
              : (worker: number, i: number) => inserts.insertOne({ worker, i, email: `w${worker}.${i}@example.com` });
          await measure(Math.min(1, seconds), concurrency, run); // warm-up
          const opsPerSecond = await measure(seconds, concurrency, run);
          const key = `${operation}/${target}`;
          results.set(key, [...(results.get(key) ?? []), opsPerSecond]);
        }
      }
    }
  } finally {
    for (const client of Object.values(clients)) await client.close().catch(() => undefined);
    await gateway.stop();
    await relay.stop();
    await server.stop();
  }
  const lines = [
    `MongoDB (${server.kind}), mongodb driver, ${concurrency} in flight, ${rounds} interleaved rounds × ${seconds} s, medians (ops/s)`,
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
