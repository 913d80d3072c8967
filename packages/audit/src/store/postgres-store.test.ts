import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { action, query, session, signingKey } from '../test-support/fixtures.js';
import { defineStoreSuite } from '../test-support/store-suite.js';
import { AuditTrail } from '../trail.js';
import { openPostgresAuditStore } from './open-stores.js';

let server: PostgresServer;
let admin: pg.Pool;

beforeAll(async () => {
  server = await startPostgres({ tls: false });
  admin = new pg.Pool({ connectionString: server.connectionString({ sslmode: 'disable' }), max: 2 });
}, 120_000);

afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

defineStoreSuite('PostgreSQL store', async (options) => {
  const schema = `audit_${randomBytes(4).toString('hex')}`;
  const url = server.connectionString({ sslmode: 'disable' });
  const store = await openPostgresAuditStore({ ...options, connectionString: url, schema });
  return {
    store,
    schema,
    raw: async (sql, params) => (await admin.query(sql, params ? [...params] : undefined)).rows as Record<string, unknown>[],
    openIndependent: () => openPostgresAuditStore({ connectionString: url, schema, signingKey: options.signingKey }),
    close: () => store.close(),
  };
});

describe('PostgreSQL store shared by replicas', () => {
  it('keeps one linear chain when two gateways append concurrently', async () => {
    const key = signingKey();
    const schema = `audit_${randomBytes(4).toString('hex')}`;
    const url = server.connectionString({ sslmode: 'disable' });
    const replicas = await Promise.all([0, 1].map(() => openPostgresAuditStore({ connectionString: url, schema, signingKey: key, checkpointEveryEvents: 50 })));
    const trails = replicas.map((store) => new AuditTrail({ store }));
    await Promise.all(
      trails.map(async (trail, r) => {
        const sink = trail.sink(r === 0 ? 'before-forward' : 'async');
        await sink.onSessionStart(session(`replica-${r}`));
        await Promise.all(
          Array.from({ length: 200 }, (_, i) => sink.onQuery(query(`replica-${r}`, `r${r}-q${i}`, [action('SELECT', 'app.public.t', 'SELECT ?')]))),
        );
        await trail.drain();
      }),
    );
    const report = await replicas[0]!.verify();
    expect(report).toMatchObject({ ok: true, events: 402, firstSeq: 1, lastSeq: 402 });
    const mine = await replicas[1]!.search({ sessionId: 'replica-0', type: 'statement', limit: 1_000 });
    expect(mine.events).toHaveLength(200);
    await Promise.all(trails.map((trail) => trail.close()));
  });
});
