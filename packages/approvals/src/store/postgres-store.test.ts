import { startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Approvals } from '../approvals.js';
import { context, principal, reviewed } from '../test-support/fixtures.js';
import { defineApprovalsSuite } from '../test-support/store-suite.js';
import { openPostgresApprovalStore } from './open-stores.js';

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres({ tls: false });
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

defineApprovalsSuite('PostgreSQL', async () => {
  const store = await openPostgresApprovalStore({ connectionString: server.connectionString({ sslmode: 'disable' }) });
  return { store, close: () => store.close() };
});

describe('two replicas on one PostgreSQL store', () => {
  it('an approval given through one replica releases a statement held on the other', async () => {
    const connectionString = server.connectionString({ sslmode: 'disable' });
    // Both open the schema at once, as replicas starting together do.
    const [storeA, storeB] = await Promise.all([openPostgresApprovalStore({ connectionString }), openPostgresApprovalStore({ connectionString })]);
    const replicaA = new Approvals({ store: storeA, pollMs: 100, sweepMs: 0 });
    const replicaB = new Approvals({ store: storeB, pollMs: 100, sweepMs: 0 });
    let approvalId: string | undefined;
    const held = replicaA.gate(context(principal('carl')), reviewed('hold'), { record: (id) => void (approvalId = id) });
    await expect.poll(() => approvalId).toBeDefined();
    expect((await replicaB.list({ state: 'pending' })).map((request) => request.id)).toContain(approvalId);
    const started = Date.now();
    await replicaB.approve(approvalId!, principal('dora', ['dba']));
    await expect(held).resolves.toMatchObject({ proceed: true, approvalId });
    expect(Date.now() - started).toBeLessThan(2000);
    replicaA.close();
    replicaB.close();
    await storeA.close();
    await storeB.close();
  });
});
