import { Long, MongoClient } from 'mongodb';
import type { Document } from 'mongodb';
import { startMongo } from '@gatehouse/testkit';
import type { MongoServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';
import { startRecordingRelay } from '../testing/recording-relay.js';
import type { RecordingRelay } from '../testing/recording-relay.js';

const POLICY = `
version: 1
rules:
  - id: agents-read-1000
    effect: allow
    when:
      principal: { groups: [agents] }
      action: { category: [read, session] }
    limit: { rows: 1000 }
`;

const DOCUMENTS = 5_000;
const LIMIT = 1_000;

/** The row limit on MongoDB cursors: a 5,000-document result reaches the client as 1,000, and the session goes on. */
describe('row limits through the MongoDB session', () => {
  let server: MongoServer;
  let relay: RecordingRelay;
  let gateway: TestGateway;
  let direct: MongoClient;
  let agent: MongoClient;

  beforeAll(async () => {
    server = await startMongo();
    direct = new MongoClient(server.url);
    await direct.connect();
    const big = direct.db('app').collection('big');
    await big.drop().catch(() => undefined);
    await big.insertMany(Array.from({ length: DOCUMENTS }, (_, i) => ({ _id: i as never, n: i })));
    relay = await startRecordingRelay(server);
    gateway = await startTestGateway(relay.server, POLICY);
    agent = new MongoClient(`mongodb://localhost:${gateway.port}/app`, {
      auth: { username: 'bot', password: await gateway.token('bot', ['agents'], { kind: 'agent' }) },
      authMechanism: 'PLAIN',
      authSource: '$external',
      tls: true,
      ca: gateway.cert,
      directConnection: true,
      serverSelectionTimeoutMS: 5_000,
    });
    await agent.connect();
  }, 120_000);

  afterAll(async () => {
    await agent?.close();
    await direct?.close();
    await gateway?.stop();
    await relay?.stop();
    await server?.stop();
  });

  it('cuts a cursor at the limit across getMore batches, and the session stays usable', async () => {
    const big = agent.db('app').collection('big');
    const all = await big.find({}).sort({ _id: 1 }).toArray();
    expect(all).toHaveLength(LIMIT);
    expect(all.at(-1)?.['n']).toBe(LIMIT - 1);
    // In the first batch too, and through aggregate.
    expect(await big.find({}, { batchSize: DOCUMENTS }).toArray()).toHaveLength(LIMIT);
    expect(await big.aggregate([{ $match: { n: { $gte: 0 } } }], { batchSize: 300 }).toArray()).toHaveLength(LIMIT);
    // Fewer documents than the limit are untouched.
    expect(await big.find({ n: { $lt: 10 } }).toArray()).toHaveLength(10);
    expect(await big.find({ n: { $gte: 4_000 } }, { batchSize: 999 }).toArray()).toHaveLength(LIMIT);
    // distinct returns values, not a cursor: the same limit holds.
    expect(await big.distinct('n')).toHaveLength(LIMIT);
    expect(await big.distinct('n', { n: { $lt: 5 } })).toHaveLength(5);
  });

  it('tells the client in the reply that the cursor ended by policy, and kills the server cursor', async () => {
    const from = relay.commands.length;
    const reply = await agent.db('app').command({ find: 'big', filter: {}, batchSize: 1_500 });
    const cursor = reply['cursor'] as { id: Long; firstBatch: Document[] };
    expect(cursor.firstBatch).toHaveLength(LIMIT);
    expect(Number(cursor.id)).toBe(0);
    expect(reply['gatehouseNotice']).toBe('gatehouse: result cut at 1000 documents by policy (agents-read-1000)');

    const killed = await waitFor(() => relay.commands.slice(from).find((command) => command['killCursors'] === 'big'));
    const [serverCursor] = killed['cursors'] as Long[];
    expect(Number(serverCursor)).not.toBe(0);
    // A live cursor of the server can be continued by id from another client, a killed one cannot.
    const control = await direct.db('app').command({ find: 'big', filter: {}, batchSize: 1 });
    const next = await direct.db('app').command({ getMore: (control['cursor'] as { id: Long }).id, collection: 'big', batchSize: 1 });
    expect((next['cursor'] as { nextBatch: Document[] }).nextBatch).toHaveLength(1);
    // The server no longer has the cursor: nobody can read past the limit with its id.
    await expect(direct.db('app').command({ getMore: serverCursor!, collection: 'big' })).rejects.toMatchObject({ code: 43 });
    // The connection the kill went over goes on.
    expect(await agent.db('app').collection('big').find({ n: 7 }).toArray()).toEqual([{ _id: 7, n: 7 }]);
  });
});

async function waitFor<T>(probe: () => T | undefined): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const found = probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('timed out waiting for the condition');
}
