import { deserialize } from 'bson';
import { MongoClient } from 'mongodb';
import { startMongo } from '@gatehouse/testkit';
import type { MongoServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { startGatewayProcess } from '@gatehouse/testkit';
import type { GatewayProcess } from '@gatehouse/testkit';
import { openRawClient } from '../testing/raw-client.js';
import type { RawMongoClient } from '../testing/raw-client.js';
import { seedBuckets } from '../testing/seed.js';

// A cursor over 1,000,000 documents through the gateway with masking on: every document is counted
// and dropped by a raw wire client, a sample of masked values is checked, and the GATEWAY's RSS must
// not grow by more than 64 MB — it streams batches, it does not hold the result. The gateway runs in
// a child process of its own (src/testing/gateway-child.ts), sampled every 20 ms, so the figure is
// the gateway's and nothing of this test process. The documents come from 1,000 stored documents of 1,000 emails each, unwound by
// the server (see seedBuckets: jongodb cannot take a million single inserts in a test run).

const DOCUMENTS = 1_000_000;
const PER_BUCKET = 1_000;
const RSS_BUDGET_BYTES = 64 * 1024 * 1024;
const SAMPLE_EVERY = 100_003; // prime, so samples do not line up with batch boundaries
const BATCH = 10_000;

const POLICY = `
version: 1
rules:
  - id: analysts-read
    effect: allow
    when:
      principal: { groups: [analysts] }
      action: { category: [read] }
    mask:
      columns: { "app.stream.email": partial }
`;

const emailOf = (id: number): string => `person${id}@example.com`;

describe('a 1,000,000-document cursor through the gateway with masking on', () => {
  let server: MongoServer;
  let gateway: GatewayProcess;
  let client: RawMongoClient | undefined;

  beforeAll(async () => {
    server = await startMongo();
    const owner = new MongoClient(server.url);
    await owner.connect();
    await seedBuckets(owner.db('app').collection('stream'), DOCUMENTS, PER_BUCKET, emailOf);
    await owner.close();
    gateway = await startGatewayProcess(fileURLToPath(new URL('../testing/gateway-child.ts', import.meta.url)), {
      server: { ...server },
      policyYaml: POLICY,
    });
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await gateway?.stop();
    await server?.stop();
  });

  it('counts every document, masks them, and keeps RSS growth under 64 MB', async () => {
    const raw = await openRawClient(gateway.port, gateway.cert, 'ana', await gateway.token('ana', ['analysts']));
    client = raw;
    const aggregate = { aggregate: 'stream', pipeline: [{ $unwind: '$email' }], cursor: { batchSize: BATCH }, $db: 'app' };
    const samples: { index: number; email: unknown }[] = [];
    const sample = {
      batchSize: BATCH,
      wants: (index: number) => index % SAMPLE_EVERY === 0,
      onDocument: (index: number, bytes: Buffer) => samples.push({ index, email: deserialize(bytes)['email'] }),
    };
    // Warm up (TLS, plan cache, JIT) before the baseline, so the figure is the stream's own growth.
    await raw.countCursor({ ...aggregate, pipeline: [{ $unwind: '$email' }, { $limit: 50_000 }] }, { ...sample, wants: () => false });

    await gateway.mark();
    const started = performance.now();
    const count = await raw.countCursor(aggregate, sample);
    const seconds = (performance.now() - started) / 1_000;
    const memory = await gateway.report();
    const baseline = memory.baselineRss;
    const growth = memory.peakRss - memory.baselineRss;
    console.info(
      `[streaming] ${count} documents in ${seconds.toFixed(1)} s = ${Math.round(count / seconds)} documents/s; ` +
        `RSS growth ${(growth / 1024 / 1024).toFixed(1)} MB (baseline ${(baseline / 1024 / 1024).toFixed(0)} MB)`,
    );

    expect(count).toBe(DOCUMENTS);
    expect(samples).toHaveLength(Math.ceil(DOCUMENTS / SAMPLE_EVERY));
    for (const { index, email } of samples) {
      const original = emailOf(index + 1);
      expect(typeof email).toBe('string');
      expect(email).not.toBe(original);
      expect(String(email)).not.toContain(original.split('@')[0]!);
    }
    expect(growth).toBeLessThan(RSS_BUDGET_BYTES);
  }, 240_000);
});
