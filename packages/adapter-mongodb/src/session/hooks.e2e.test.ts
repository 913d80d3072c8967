import { MongoClient } from 'mongodb';
import type { GateResult, SessionHooks, StatementOutcome } from '@gatehouse/proxy';
import { decisionGate } from '@gatehouse/proxy';
import { startMongo } from '@gatehouse/testkit';
import type { MongoServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';

const POLICY = `
version: 1
rules:
  - id: unbounded-review
    effect: review
    when: { action: { category: [write], flags: [unbounded] } }
    review: { approvers: { groups: [dba] }, mode: hold, timeout: 15m }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

/**
 * The dialect-neutral hooks as the MongoDB session drives them: the same gate (approval holds, audit
 * before forwarding) and session events as for the SQL dialects.
 */
describe('session hooks through the MongoDB session', () => {
  let server: MongoServer;
  let gateway: TestGateway;
  let direct: MongoClient;
  let gateFor: (operation: string, outcome: StatementOutcome) => GateResult | Promise<GateResult> = (_operation, outcome) => decisionGate(outcome);
  const events: string[] = [];

  const hooks: SessionHooks = {
    sessionStarted: (session) => void events.push(`start:${session.principal.id}:${session.target.dialect}`),
    gate: (_session, outcome) => gateFor(outcome.actions[0]?.operation ?? '', outcome),
    sessionEnded: (session) => void events.push(`end:${session.principal.id}`),
  };

  async function client(): Promise<MongoClient> {
    const c = new MongoClient(`mongodb://localhost:${gateway.port}/app`, {
      auth: { username: 'carl', password: await gateway.token('carl', ['app']) },
      authMechanism: 'PLAIN',
      authSource: '$external',
      tls: true,
      ca: gateway.cert,
      directConnection: true,
      serverSelectionTimeoutMS: 5_000,
    });
    await c.connect();
    return c;
  }

  beforeAll(async () => {
    server = await startMongo();
    direct = new MongoClient(server.url);
    await direct.connect();
    await direct.db('app').collection('notes').deleteMany({});
    gateway = await startTestGateway(server, POLICY, { hooks });
  }, 60_000);

  afterAll(async () => {
    await direct?.close();
    await gateway?.stop();
    await server?.stop();
  });

  beforeEach(() => {
    gateFor = (_operation, outcome) => decisionGate(outcome);
  });

  it('waits for an asynchronous gate, then runs the command', async () => {
    const c = await client();
    gateFor = (operation, outcome) =>
      operation === 'insert' ? new Promise((resolve) => setTimeout(() => resolve(decisionGate(outcome)), 150)) : decisionGate(outcome);
    const started = performance.now();
    await c.db('app').collection('notes').insertOne({ body: 'held' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(await direct.db('app').collection('notes').countDocuments({ body: 'held' })).toBe(1);
    await c.close();
  });

  it('runs an approved review command and refuses a denied one with code 13', async () => {
    const c = await client();
    const notes = c.db('app').collection('notes');
    gateFor = (operation, outcome) => (operation === 'delete' ? { proceed: true } : decisionGate(outcome));
    await notes.deleteMany({});
    await notes.insertOne({ body: 'kept' });
    gateFor = (operation, outcome) =>
      operation === 'delete' ? { proceed: false, reason: 'approval-denied', message: 'denied by dora' } : decisionGate(outcome);
    await expect(notes.deleteMany({})).rejects.toMatchObject({ code: 13, message: expect.stringContaining('approval denied') });
    expect(await direct.db('app').collection('notes').countDocuments({})).toBe(1);
    await c.close();
  });

  it('refuses, and never forwards, when the gate fails; reports session start and end', async () => {
    const c = await client();
    gateFor = (operation, outcome) => (operation === 'insert' ? Promise.reject(new Error('audit store down')) : decisionGate(outcome));
    await expect(c.db('app').collection('notes').insertOne({ body: 'never' })).rejects.toMatchObject({ code: 13 });
    expect(await direct.db('app').collection('notes').countDocuments({ body: 'never' })).toBe(0);
    await c.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events).toContain('start:carl:mongodb');
    expect(events).toContain('end:carl');
  });
});
