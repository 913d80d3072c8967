import { fileURLToPath } from 'node:url';
import { CONFORMANCE_IDENTITIES, CONFORMANCE_POLICY_YAML, startGatewayProcess, startPostgres } from '@gatehouse/testkit';
import type { GatewayProcess, PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDataRow } from '../protocol/messages/rows.js';
import { connectDirect, countDataRows, openRawClient } from '../testing/gateway-harness.js';

// DESIGN.md budget: a 1,000,000-row SELECT with masking on is streamed, and the gateway's RSS grows
// by less than 64 MB. The gateway runs in a child process of its own (src/testing/gateway-child.ts),
// sampled every 20 ms, so the figure is the gateway's and nothing of this test or its client.

const ROWS = 1_000_000;
const RSS_BUDGET_BYTES = 64 * 1024 * 1024;
const SAMPLE_EVERY = 10_007; // prime, so samples do not line up with chunk boundaries

describe('a million-row result through the gateway with masking on', () => {
  let server: PostgresServer;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    server = await startPostgres();
    const admin = await connectDirect(server, { superuser: true });
    await admin.query('CREATE TABLE big (id int PRIMARY KEY, email text NOT NULL, note text NOT NULL)');
    await admin.query(
      `INSERT INTO big SELECT g, 'user' || g || '@example.com', repeat('x', 40) FROM generate_series(1, ${ROWS}) AS g`,
    );
    await admin.query(`GRANT SELECT ON big TO ${server.user}`);
    await admin.end();
    gateway = await startGatewayProcess(fileURLToPath(new URL('../testing/gateway-child.ts', import.meta.url)), {
      server: { ...server },
      policyYaml: CONFORMANCE_POLICY_YAML,
    });
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
  });

  it('streams every row, masks the emails, and keeps RSS growth under 64 MB', async () => {
    const { analyst } = CONFORMANCE_IDENTITIES;
    const client = await openRawClient(gateway, analyst.user, await gateway.token(analyst.user, [...analyst.groups]));
    const unmasked: string[] = [];
    let samples = 0;

    await gateway.mark();
    const started = performance.now();
    let count: number;
    try {
      count = await countDataRows(client, 'SELECT id, email, note FROM big', (frame, index) => {
        if (index % SAMPLE_EVERY !== 0) return;
        samples++;
        const [id, email] = decodeDataRow(frame).values.map((value) => value?.toString('utf8'));
        if (email === undefined || email.includes(`user${id}@`)) unmasked.push(`${id}: ${email}`);
      });
    } finally {
      client.end();
    }
    const seconds = (performance.now() - started) / 1000;
    const memory = await gateway.report();
    const growth = memory.peakRss - memory.baselineRss;
    console.info(
      `${ROWS} masked rows in ${seconds.toFixed(2)} s (${Math.round(ROWS / seconds)} rows/s); ` +
        `gateway RSS growth ${(growth / 1024 / 1024).toFixed(1)} MB (baseline ${(memory.baselineRss / 1024 / 1024).toFixed(0)} MB)`,
    );

    expect(count).toBe(ROWS);
    expect(samples).toBe(Math.ceil(ROWS / SAMPLE_EVERY));
    expect(unmasked).toEqual([]);
    expect(growth).toBeLessThan(RSS_BUDGET_BYTES);
  }, 90_000);
});
