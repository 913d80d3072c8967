import { connect as connectTls } from 'node:tls';
import { MongoClient } from 'mongodb';
import type { MongoClientOptions } from 'mongodb';
import { startMongo } from '@gatehouse/testkit';
import type { MongoServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';

const POLICY = `
version: 1
rules:
  - id: no-drop
    effect: deny
    when: { action: { operation: [drop, dropDatabase] } }
    message: Destructive DDL is blocked
  - id: unbounded-review
    effect: review
    when: { action: { category: [write], flags: [unbounded] } }
    review: { approvers: { groups: [dba] }, mode: hold, timeout: 15m }
  - id: sessions
    effect: allow
    when: { action: { category: [session, transaction] } }
  - id: analysts-read
    effect: allow
    when:
      principal: { groups: [analysts] }
      action: { category: [read] }
    mask:
      columns: { "app.people.email": partial, "app.people.address.street": redact, "app.people.ssn": redact, "app.people.age": redact }
      detect: [credit_card]
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

describe('MongoDB through the gateway', () => {
  let server: MongoServer;
  let gateway: TestGateway;
  let direct: MongoClient;
  const clients: MongoClient[] = [];

  async function client(user: string, groups: string[], overrides: MongoClientOptions = {}): Promise<MongoClient> {
    const token = await gateway.token(user, groups);
    const c = new MongoClient(`mongodb://localhost:${gateway.port}/app`, {
      auth: { username: user, password: token },
      authMechanism: 'PLAIN',
      authSource: '$external',
      tls: true,
      ca: gateway.cert,
      directConnection: true,
      serverSelectionTimeoutMS: 5_000,
      ...overrides,
    });
    clients.push(c);
    await c.connect();
    return c;
  }

  beforeAll(async () => {
    server = await startMongo();
    direct = new MongoClient(server.url);
    await direct.connect();
    const people = direct.db('app').collection('people');
    await people.deleteMany({});
    await people.insertMany([
      { _id: 1 as never, name: 'Ana', email: 'ana@example.com', ssn: '123-45-6789', age: 31, address: { street: '1 Main St', city: 'Lisbon' }, cards: ['4111 1111 1111 1111'], contacts: [{ email: 'x@y.org' }] },
      { _id: 2 as never, name: 'Bo', email: 'bo@example.org', ssn: '987-65-4321', age: 45, address: { street: '2 High St', city: 'Porto' }, cards: [], contacts: [] },
    ]);
    await direct.db('app').collection('many').deleteMany({});
    await direct.db('app').collection('many').insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i as never, n: i, email: `u${i}@example.com` })));
    gateway = await startTestGateway(server, POLICY);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await direct?.close();
    await gateway?.stop();
    await server?.stop();
  });

  it('authenticates with PLAIN over TLS and runs CRUD as the app', async () => {
    const c = await client('carl', ['app']);
    const coll = c.db('app').collection('crud');
    await coll.deleteMany({ k: { $exists: true } });
    await coll.insertOne({ k: 1, v: 'one' });
    await coll.insertMany([{ k: 2, v: 'two' }, { k: 3, v: 'three' }]);
    await coll.updateOne({ k: 2 }, { $set: { v: 'TWO' } });
    expect(await coll.findOne({ k: 2 })).toMatchObject({ k: 2, v: 'TWO' });
    await coll.deleteOne({ k: 3 });
    expect(await coll.countDocuments({ k: { $exists: true } })).toBe(2);
    const found = await coll.findOneAndUpdate({ k: 1 }, { $set: { v: 'uno' } }, { returnDocument: 'after' });
    expect(found).toMatchObject({ k: 1, v: 'uno' });
    const agg = await coll.aggregate([{ $match: { k: { $gte: 1 } } }, { $group: { _id: null, n: { $sum: 1 } } }]).toArray();
    expect(agg[0]?.['n']).toBe(2);
    expect((await coll.distinct('k')).sort()).toEqual([1, 2]);
  });

  it('refuses a bad token, a token for someone else and an expired token', async () => {
    const base = { authMechanism: 'PLAIN' as const, authSource: '$external', tls: true, ca: gateway.cert, directConnection: true, serverSelectionTimeoutMS: 3_000 };
    const bad = new MongoClient(`mongodb://localhost:${gateway.port}/app`, { ...base, auth: { username: 'carl', password: 'not-a-token' } });
    await expect(bad.connect()).rejects.toThrow(/gatehouse/);
    await bad.close();
    const stolen = new MongoClient(`mongodb://localhost:${gateway.port}/app`, { ...base, auth: { username: 'mallory', password: await gateway.token('carl', ['app']) } });
    await expect(stolen.connect()).rejects.toThrow(/gatehouse/);
    await stolen.close();
    const expiredToken = await gateway.token('carl', ['app'], { ttl: 60, issuedAt: Date.now() - 3_600_000 });
    const expired = new MongoClient(`mongodb://localhost:${gateway.port}/app`, { ...base, auth: { username: 'carl', password: expiredToken } });
    await expect(expired.connect()).rejects.toThrow(/gatehouse/);
    await expired.close();
  });

  it('tells a SCRAM client which mechanisms the gateway accepts', async () => {
    const scram = new MongoClient(`mongodb://localhost:${gateway.port}/app`, {
      auth: { username: 'carl', password: 'whatever' },
      authMechanism: 'SCRAM-SHA-256',
      tls: true,
      ca: gateway.cert,
      directConnection: true,
      serverSelectionTimeoutMS: 3_000,
    });
    await expect(scram.connect()).rejects.toThrow('gatehouse accepts PLAIN (inside TLS) or MONGODB-OIDC');
    await scram.close();
  });

  it('answers hello itself as a standalone without topology details', async () => {
    const c = await client('carl', ['app']);
    const hello = await c.db('admin').command({ hello: 1 });
    expect(hello['isWritablePrimary']).toBe(true);
    for (const field of ['setName', 'hosts', 'me', 'primary', 'topologyVersion', 'compression']) expect(hello).not.toHaveProperty(field);
    expect(hello['maxMessageSizeBytes']).toBeLessThanOrEqual(48_000_000);
    expect(hello['maxWireVersion']).toBeGreaterThanOrEqual(6);
  });

  it('refuses commands before authentication and plaintext connections', async () => {
    const anonymous = new MongoClient(`mongodb://localhost:${gateway.port}/app`, { tls: true, ca: gateway.cert, directConnection: true, serverSelectionTimeoutMS: 3_000 });
    await anonymous.connect();
    await expect(anonymous.db('app').collection('people').findOne({})).rejects.toMatchObject({ code: 13 });
    await anonymous.close();
    const plain = new MongoClient(`mongodb://localhost:${gateway.port}/app`, { directConnection: true, serverSelectionTimeoutMS: 2_000 });
    await expect(plain.connect()).rejects.toThrow();
    await plain.close();
  });

  it('denies with code 13 naming the rule and the connection keeps working', async () => {
    const c = await client('carl', ['app']);
    const error = await c.db('app').collection('crud').drop().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 13, codeName: 'Unauthorized' });
    expect(String((error as Error).message)).toContain('no-drop');
    expect(await c.db('app').collection('people').countDocuments({})).toBe(2);
  });

  it('sends an unbounded deleteMany to review instead of running it', async () => {
    const c = await client('carl', ['app']);
    const error = await c.db('app').collection('people').deleteMany({}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 13 });
    expect(String((error as Error).message)).toMatch(/approval required \(unbounded-review\)/);
    expect(await direct.db('app').collection('people').countDocuments({})).toBe(2);
  });

  it('masks nested fields, arrays and detected values, keeping BSON types', async () => {
    const c = await client('ana', ['analysts']);
    const docs = await c.db('app').collection('people').find({}).sort({ _id: 1 }).toArray();
    const ana = docs[0]!;
    expect(ana['name']).toBe('Ana');
    expect(ana['email']).not.toBe('ana@example.com');
    expect(typeof ana['email']).toBe('string');
    expect(ana['email']).toMatch(/example\.com$/);
    expect(ana['ssn']).not.toContain('6789');
    expect(ana['age']).toBeNull();
    expect(ana['address']).toMatchObject({ city: 'Lisbon' });
    expect(ana['address'].street).not.toBe('1 Main St');
    expect(typeof ana['address'].street).toBe('string');
    expect(ana['cards'][0]).not.toContain('4111 1111 1111 1111');
    const one = await c.db('app').collection('people').findOne({ _id: 2 as never });
    expect(one?.['email']).not.toBe('bo@example.org');
    const emails = await c.db('app').collection('people').distinct('email');
    expect(emails).not.toContain('ana@example.com');
    // A reshaping pipeline cannot be followed by field rules: refused rather than leaked.
    await expect(c.db('app').collection('people').aggregate([{ $project: { e: '$email' } }]).toArray()).rejects.toMatchObject({ code: 13 });
  });

  it('streams cursors with getMore and refuses another principal\'s cursor', async () => {
    const c = await client('carl', ['app']);
    const cursor = c.db('app').collection('many').find({}).sort({ _id: 1 }).batchSize(7);
    const all = await cursor.toArray();
    expect(all).toHaveLength(50);

    const first = await c.db('app').command({ find: 'many', batchSize: 2 });
    const cursorId = first['cursor'].id;
    const other = await client('dan', ['app']);
    await expect(other.db('app').command({ getMore: cursorId, collection: 'many', batchSize: 2 })).rejects.toMatchObject({ code: 13 });
    await expect(other.db('app').command({ killCursors: 'many', cursors: [cursorId] })).rejects.toMatchObject({ code: 13 });
    const next = await c.db('app').command({ getMore: cursorId, collection: 'many', batchSize: 2 });
    expect(next['cursor'].nextBatch).toHaveLength(2);
    await c.db('app').command({ killCursors: 'many', cursors: [cursorId] });
  });

  it('runs a transaction when the server supports them', async () => {
    const c = await client('carl', ['app']);
    const session = c.startSession();
    try {
      await session.withTransaction(async () => {
        await c.db('app').collection('crud').insertOne({ k: 10, v: 'txn' }, { session });
      });
    } finally {
      await session.endSession();
    }
    expect(await c.db('app').collection('crud').countDocuments({ k: 10 })).toBe(1);
  });

  it('closes only the connection that sends a malformed message', async () => {
    const c = await client('carl', ['app']);
    const socket = connectTls({ host: '127.0.0.1', port: gateway.port, ca: gateway.cert, servername: 'localhost' });
    await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    const garbage = Buffer.alloc(16);
    garbage.writeInt32LE(16, 0);
    garbage.writeInt32LE(1, 4);
    garbage.writeInt32LE(9999, 12); // unknown opcode
    socket.write(garbage);
    await closed;
    expect(await c.db('app').collection('people').countDocuments({})).toBe(2);
  });
});
