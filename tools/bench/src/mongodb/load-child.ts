// The driver's side of the MongoDB bench, in its own process (as an application is): one MongoClient
// for one target, measuring what the parent asks over IPC. Started by mongo-bench.ts with fork().
import { MongoClient } from 'mongodb';
import type { MongoClientOptions } from 'mongodb';
import { measure, operationOn } from './mongo-load.js';
import type { LoadRequest, LoadResult } from './mongo-load.js';

const [url, concurrencyText, documentsText, user, password] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const documents = Number(documentsText);
const options: MongoClientOptions = { maxPoolSize: concurrency };
const client = new MongoClient(
  url!,
  user ? { ...options, auth: { username: user, password: password ?? '' }, authMechanism: 'PLAIN', authSource: '$external' } : options,
);
await client.connect();
const db = client.db('bench');

process.on('message', (message: LoadRequest | 'stop') => {
  if (message === 'stop') {
    void client.close().finally(() => process.exit(0));
    return;
  }
  const run = operationOn(db, message.operation, documents, message.collection);
  void (async () => {
    if (message.warmUp !== false) await measure(Math.min(1, message.seconds), concurrency, run);
    const result: LoadResult = await measure(message.seconds, concurrency, run);
    process.send!(result);
  })();
});
process.send!('ready');
