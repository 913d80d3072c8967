import { connect } from 'node:net';
import { EJSON } from 'bson';
import type { Document } from 'bson';
import { MongoClient } from 'mongodb';
import { bigRowEmail, defineConformanceSuite, startMongo } from '@gatehouse/testkit';
import type { ConformanceClient, ConformanceError, ConformanceIdentity, ConformanceTarget } from '@gatehouse/testkit';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';
import { seedBuckets } from '../testing/seed.js';

// The adapter conformance suite (packages/testkit) against jongodb (or MONGODB_URL), through the
// whole gateway, with the `mongodb` driver as the client. Statements are MongoDB commands as
// extended JSON; cursor commands are read to the end with getMore. Cancelling is MongoDB's way for
// a driver: `killSessions` with the running command's session id, from another pooled connection.
//
// `big` is stored as documents of 1,000 emails each and read with `$unwind`: jongodb pays for each
// insert in proportion to the collection's size (20,000 single documents take ~30 s to insert), so
// 200,000 single documents cannot be seeded in a test run. The gateway sees 200,000 documents in
// cursor batches either way.

const mongoUrl = process.env['MONGODB_URL'];

function nativeError(error: unknown): ConformanceError | unknown {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === 'number' && typeof message === 'string' ? { nativeCode: code, message } : error;
}

async function tokenFor(gateway: TestGateway, identity: ConformanceIdentity): Promise<string> {
  const groups = [...identity.groups];
  switch (identity.token ?? 'valid') {
    case 'valid':
      return gateway.token(identity.user, groups, { kind: identity.kind });
    case 'bad':
      return 'not-a-token';
    case 'expired':
      return gateway.token(identity.user, groups, { kind: identity.kind, ttl: 60, issuedAt: Date.now() - 3_600_000 });
    case 'other-user':
      return gateway.token(`${identity.user}.other`, groups, { kind: identity.kind });
  }
}

const CURSOR_COMMANDS = new Set(['find', 'aggregate']);

function parseCommand(statement: string): { command: Document; name: string } {
  const command = EJSON.parse(statement, { relaxed: false }) as Document;
  return { command, name: Object.keys(command)[0] ?? '' };
}

async function connectClient(gateway: TestGateway, identity: ConformanceIdentity): Promise<ConformanceClient> {
  const mongo = new MongoClient(`mongodb://localhost:${gateway.port}/app`, {
    auth: { username: identity.user, password: await tokenFor(gateway, identity) },
    authMechanism: 'PLAIN',
    authSource: '$external',
    tls: true,
    ca: gateway.cert,
    directConnection: true,
    serverSelectionTimeoutMS: 5_000,
  });
  try {
    await mongo.connect();
  } catch (error) {
    await mongo.close().catch(() => undefined);
    throw nativeError(error);
  }
  const db = mongo.db('app');
  return {
    async query(statement) {
      const { command, name } = parseCommand(statement);
      try {
        if (CURSOR_COMMANDS.has(name)) return { rows: await db.runCursorCommand(command).toArray() };
        await db.command(command);
        return { rows: [] };
      } catch (error) {
        throw nativeError(error);
      }
    },
    async streamCount(statement) {
      const { command } = parseCommand(statement);
      let count = 0;
      try {
        for await (const _ of db.runCursorCommand(command).setBatchSize(10_000)) count++;
      } catch (error) {
        throw nativeError(error);
      }
      return count;
    },
    async cancelDuring(statement, afterMs) {
      const { command } = parseCommand(statement);
      const session = mongo.startSession();
      try {
        const running = db.command(command, { session }).then(
          () => undefined,
          (error: unknown) => nativeError(error),
        );
        await new Promise((resolve) => setTimeout(resolve, afterMs));
        await mongo.db('admin').command({ killSessions: [session.id] });
        const error = await running;
        if (error === undefined) throw new Error(`"${statement}" finished although it was cancelled`);
        return error as ConformanceError;
      } finally {
        await session.endSession().catch(() => undefined);
      }
    },
    close: () => mongo.close(),
  };
}

/** A raw TCP connection whose first message has an impossible length; resolves when the gateway closes it. */
function sendGarbage(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from('\x00\x00\x00\x03garbage-garbage')));
    socket.resume();
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

const target: ConformanceTarget = {
  name: mongoUrl ? 'mongodb (MONGODB_URL)' : 'mongodb (jongodb)',
  statements: {
    selectPeople: '{"find": "people", "sort": {"_id": 1}}',
    dropPeople: '{"drop": "people"}',
    unboundedDelete: '{"delete": "people", "deletes": [{"q": {}, "limit": 0}]}',
    selectBig: '{"aggregate": "big", "pipeline": [{"$unwind": "$email"}], "cursor": {"batchSize": 10000}}',
    // A real server sleeps in server-side JavaScript; jongodb has neither JavaScript nor a sleep, so
    // a lookup that jongodb runs in ~10 s (4,000 documents, each compared with 200 unindexed ones).
    slow: mongoUrl
      ? '{"find": "people", "filter": {"$where": "sleep(10000) || true"}}'
      : '{"aggregate": "big", "pipeline": [{"$limit": 4}, {"$unwind": "$email"}, {"$lookup": {"from": "big", "localField": "email", "foreignField": "nope", "as": "x"}}, {"$project": {"_id": 1}}], "cursor": {}}',
  },
  nativeErrors: { denied: 13, reviewRequired: 13, authFailed: 18, cancelled: 11601 },
  async setup(fixture) {
    const server = await startMongo();
    const owner = new MongoClient(server.url);
    await owner.connect();
    const app = owner.db('app');
    await app.collection('people').drop().catch(() => undefined);
    await app.collection('people').insertMany(fixture.people.map((person) => ({ _id: person.id as never, ...person })));
    await seedBuckets(app.collection('big'), fixture.bigRows, 1_000, bigRowEmail);
    const [row] = await app.collection('big').aggregate([{ $unwind: '$email' }, { $skip: 6 }, { $limit: 1 }]).toArray();
    if (row?.['email'] !== bigRowEmail(7)) throw new Error(`big seeded differently from bigRowEmail(): ${String(row?.['email'])}`);
    await owner.close();

    const gateway = await startTestGateway(server, fixture.policyYaml);
    return {
      connect: (identity) => connectClient(gateway, identity),
      sendGarbage: () => sendGarbage(gateway.port),
      async teardown() {
        await gateway.stop();
        await server.stop();
      },
    };
  },
};

defineConformanceSuite(target);
