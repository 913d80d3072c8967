import { MongoClient } from 'mongodb';
import type { Document } from 'mongodb';
import { startMongo } from '@gatehouse/testkit';
import type { MongoServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';

/**
 * One policy written the dialect-neutral way (database.schema.object), in front of a real
 * (MongoDB-compatible) server whose names have no schema: the deny, the mask and the row filter
 * must all apply to `app.*` collections. Before the shared object matcher, each of them silently
 * did not apply (the deny and the mask) or applied by a separate rule (the filter).
 */
const POLICY = `
version: 1
rules:
  - id: reads
    effect: allow
    when:
      principal: { groups: [support] }
      action: { category: [read, session] }
    mask:
      columns: { "*.*.users.email": redact, "*.*.users.address.city": redact }
    filter:
      "*.public.customers": { region: "\${principal.region}" }
  - id: no-secrets
    effect: deny
    when:
      action: { objects: ["*.*.secrets"] }
`;

describe('dialect-neutral object patterns against MongoDB names', () => {
  let server: MongoServer;
  let gateway: TestGateway;
  let direct: MongoClient;
  let client: MongoClient | undefined;

  beforeAll(async () => {
    server = await startMongo();
    direct = new MongoClient(server.url);
    await direct.connect();
    const db = direct.db('app');
    await db.collection('users').deleteMany({});
    await db.collection('customers').deleteMany({});
    await db.collection('secrets').deleteMany({});
    await db.collection('users').insertMany([{ _id: 1, name: 'Ana', email: 'ana@example.com', address: { city: 'Lisbon', zip: '1000' } }] as Document[]);
    await db.collection('customers').insertMany([
      { _id: 1, region: 'eu' },
      { _id: 2, region: 'us' },
      { _id: 3, region: 'eu' },
    ] as Document[]);
    await db.collection('secrets').insertOne({ _id: 1, key: 'k' } as Document);
    gateway = await startTestGateway(server, POLICY);
    client = new MongoClient(`mongodb://localhost:${gateway.port}/app`, {
      auth: { username: 'sam', password: await gateway.token('sam', ['support'], { attributes: { region: 'eu' } }) },
      authMechanism: 'PLAIN',
      authSource: '$external',
      tls: true,
      ca: gateway.cert,
      directConnection: true,
      serverSelectionTimeoutMS: 5_000,
    });
    await client.connect();
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await direct?.close();
    await gateway?.stop();
    await server?.stop();
  });

  it('a deny on *.*.secrets refuses app.secrets', async () => {
    const refused = await client!
      .db('app')
      .collection('secrets')
      .find({})
      .toArray()
      .catch((error: unknown) => error as Error & { code?: number });
    expect(refused).toMatchObject({ code: 13 });
    expect((refused as Error).message).toContain('no-secrets');
  });

  it('a mask on *.*.users.email masks the field of app.users, and nested rules reach embedded documents', async () => {
    const [user] = await client!.db('app').collection('users').find({}).toArray();
    expect(user).toMatchObject({ _id: 1, name: 'Ana', email: '****', address: { city: '****', zip: '1000' } });
  });

  it('a filter on *.public.customers filters app.customers (the missing schema matches any segment)', async () => {
    const seen = await client!.db('app').collection('customers').find({}).sort({ _id: 1 }).toArray();
    expect(seen.map((doc) => doc['_id'])).toEqual([1, 3]);
  });
});
