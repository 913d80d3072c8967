import { MongoClient } from 'mongodb';
import type { Document } from 'mongodb';
import { startMongo } from '@gatehouse/testkit';
import type { MongoServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';

const POLICY = `
version: 1
rules:
  - id: support-sees-own-region
    effect: allow
    when:
      principal: { groups: [support] }
      action: { category: [read, write, session, transaction] }
    filter:
      "*.*.customers": { region: "\${principal.region}" }
      "*.*.orders":    { tenant_id: { in: "\${principal.tenants}" } }
`;

const CUSTOMERS = [
  { _id: 1, name: 'Ana', region: 'eu' },
  { _id: 2, name: 'Bo', region: 'eu' },
  { _id: 3, name: 'Cy', region: 'us-secret-region' },
  { _id: 4, name: 'Di', region: 'us-secret-region' },
  { _id: 5, name: 'Ed', region: 'eu' },
];
const ORDERS = [
  { _id: 10, customer: 1, tenant_id: 't1' },
  { _id: 11, customer: 3, tenant_id: 't1' },
  { _id: 12, customer: 2, tenant_id: 't2' },
  { _id: 13, customer: 4, tenant_id: 't9' },
];

/**
 * Row filters through the MongoDB session against a real (MongoDB-compatible) server: a support
 * principal in region `eu` sees and changes only `eu` customers and its tenants' orders.
 */
describe('row filters through the MongoDB session', () => {
  let server: MongoServer;
  let gateway: TestGateway;
  let direct: MongoClient;
  const clients: MongoClient[] = [];

  async function connectAs(user: string, attributes: Record<string, string | string[]>): Promise<MongoClient> {
    const client = new MongoClient(`mongodb://localhost:${gateway.port}/app`, {
      auth: { username: user, password: await gateway.token(user, ['support'], { attributes }) },
      authMechanism: 'PLAIN',
      authSource: '$external',
      tls: true,
      ca: gateway.cert,
      directConnection: true,
      serverSelectionTimeoutMS: 5_000,
    });
    await client.connect();
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    server = await startMongo();
    direct = new MongoClient(server.url);
    await direct.connect();
    gateway = await startTestGateway(server, POLICY);
  }, 60_000);

  beforeEach(async () => {
    const db = direct.db('app');
    await db.collection('customers').deleteMany({});
    await db.collection('orders').deleteMany({});
    await db.collection('customers').insertMany(CUSTOMERS.map((doc) => ({ ...doc }) as Document));
    await db.collection('orders').insertMany(ORDERS.map((doc) => ({ ...doc }) as Document));
  });

  afterAll(async () => {
    for (const client of clients) await client.close();
    await direct?.close();
    await gateway?.stop();
    await server?.stop();
  });

  it('reads only eu customers through find, countDocuments, distinct and aggregate with $lookup', async () => {
    const db = (await connectAs('sam', { region: 'eu', tenants: ['t1', 't2'] })).db('app');
    const customers = db.collection('customers');
    expect((await customers.find({}).sort({ _id: 1 }).toArray()).map((doc) => doc['_id'])).toEqual([1, 2, 5]);
    expect((await customers.find({ name: 'Cy' }).toArray())).toEqual([]);
    expect(await customers.countDocuments({})).toBe(3);
    expect(await customers.countDocuments({ name: { $in: ['Ana', 'Cy'] } })).toBe(1);
    expect((await customers.distinct('region')).sort()).toEqual(['eu']);

    // Orders of tenants t1/t2 only; the joined customers only eu (order 11's customer is us).
    const joined = await db
      .collection('orders')
      .aggregate([{ $lookup: { from: 'customers', localField: 'customer', foreignField: '_id', as: 'who' } }, { $sort: { _id: 1 } }])
      .toArray();
    expect(joined.map((order) => [order['_id'], (order['who'] as Document[]).map((c) => c['name'])])).toEqual([
      [10, ['Ana']],
      [11, []],
      [12, ['Bo']],
    ]);
    const piped = await customers
      .aggregate([{ $lookup: { from: 'orders', let: { id: '$_id' }, pipeline: [{ $match: { $expr: { $eq: ['$customer', '$$id'] } } }], as: 'orders' } }, { $sort: { _id: 1 } }])
      .toArray();
    expect(piped.map((customer) => [customer['_id'], (customer['orders'] as Document[]).map((order) => order['_id'])])).toEqual([
      [1, [10]],
      [2, [12]],
      [5, []],
    ]);
  });

  it('changes only eu customers with updateMany and deleteMany', async () => {
    const customers = (await connectAs('sam', { region: 'eu', tenants: ['t1'] })).db('app').collection('customers');
    const updated = await customers.updateMany({}, { $set: { contacted: true } });
    expect(updated.modifiedCount).toBe(3);
    const seen = direct.db('app').collection('customers');
    expect(await seen.countDocuments({ contacted: true })).toBe(3);
    expect(await seen.countDocuments({ contacted: true, region: 'eu' })).toBe(3);
    await customers.deleteMany({ name: { $in: ['Ana', 'Cy'] } });
    expect((await seen.find({}).sort({ _id: 1 }).toArray()).map((doc) => doc['_id'])).toEqual([2, 3, 4, 5]);
    // Moving a document out of the region is refused; the session goes on.
    await expect(customers.updateOne({ _id: 2 } as Document, { $set: { region: 'us-secret-region' } })).rejects.toMatchObject({
      code: 13,
      message: expect.stringContaining('support-sees-own-region'),
    });
    expect(await seen.countDocuments({ region: 'eu' })).toBe(2);
  });

  it('refuses an insert outside the region, naming the rule and never the value', async () => {
    const customers = (await connectAs('sam', { region: 'eu', tenants: ['t1'] })).db('app').collection('customers');
    await customers.insertOne({ _id: 6, name: 'Fay', region: 'eu' } as Document);
    const refused = await customers.insertOne({ _id: 7, name: 'Gus', region: 'us-secret-region' } as Document).catch((error: unknown) => error as Error & { code?: number });
    expect(refused).toMatchObject({ code: 13 });
    expect((refused as Error).message).toContain('support-sees-own-region');
    expect((refused as Error).message).not.toContain('us-secret-region');
    expect((refused as Error).message).not.toContain('Gus');
    expect(await direct.db('app').collection('customers').countDocuments({ _id: { $in: [6, 7] } } as Document)).toBe(1);
  });

  it('denies a principal without the attribute, and binds an operator-looking attribute as a plain string', async () => {
    const noRegion = (await connectAs('nora', { tenants: ['t1'] })).db('app').collection('customers');
    await expect(noRegion.find({}).toArray()).rejects.toMatchObject({ code: 13, message: expect.stringContaining('region') });

    const sneaky = (await connectAs('mallory', { region: '{"$gt": ""}', tenants: ['t1'] })).db('app').collection('customers');
    expect(await sneaky.find({}).toArray()).toEqual([]);
    const dollar = (await connectAs('mel', { region: '$region', tenants: ['t1'] })).db('app').collection('customers');
    expect(await dollar.find({}).toArray()).toEqual([]);
  });
});
