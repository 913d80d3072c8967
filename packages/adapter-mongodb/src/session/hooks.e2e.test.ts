import { MongoClient } from 'mongodb';
import type { CompletedStatement, GateResult, SessionHooks, StatementOutcome } from '@gatehouse/proxy';
import { decisionGate } from '@gatehouse/proxy';
import { startMongo } from '@gatehouse/testkit';
import type { MongoServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';
import { startRecordingRelay } from '../testing/recording-relay.js';
import type { RecordingRelay } from '../testing/recording-relay.js';

const POLICY = `
version: 1
rules:
  - id: unbounded-review
    effect: review
    when: { action: { category: [write], flags: [unbounded] } }
    review: { approvers: { groups: [dba] }, mode: hold, timeout: 15m }
  - id: no-drop
    effect: deny
    when: { action: { operation: [drop] } }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
    mask:
      columns: { "app.notes.secret": redact }
`;

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/**
 * The dialect-neutral hooks as the MongoDB session drives them: the same gate (approval holds, audit
 * before forwarding) and session events as for the SQL dialects.
 */
describe('session hooks through the MongoDB session', () => {
  let server: MongoServer;
  let relay: RecordingRelay;
  let gateway: TestGateway;
  let direct: MongoClient;
  let gateFor: (operation: string, outcome: StatementOutcome) => GateResult | Promise<GateResult> = (_operation, outcome) => decisionGate(outcome);
  const events: string[] = [];
  const completed: { operation: string; completed: CompletedStatement }[] = [];
  let traceparent: string | undefined;

  const hooks: SessionHooks = {
    sessionStarted: (session) => void events.push(`start:${session.principal.id}:${session.target.dialect}`),
    gate: (_session, outcome) => gateFor(outcome.actions[0]?.operation ?? '', outcome),
    sessionEnded: (session) => void events.push(`end:${session.principal.id}`),
    statementCompleted: (_session, done) => void completed.push({ operation: done.outcome.actions.at(-1)?.operation ?? '', completed: done }),
    traceContext: () => traceparent,
  };

  /** The completions of one operation since `from`, waiting a little: the hook runs as the reply goes out. */
  async function completionsOf(operation: string, from: number): Promise<CompletedStatement[]> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const found = completed.slice(from).filter((entry) => entry.operation === operation);
      if (found.length > 0) return found.map((entry) => entry.completed);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return [];
  }

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
    relay = await startRecordingRelay(server);
    gateway = await startTestGateway(relay.server, POLICY, { hooks });
  }, 60_000);

  afterAll(async () => {
    await direct?.close();
    await gateway?.stop();
    await relay?.stop();
    await server?.stop();
  });

  beforeEach(() => {
    gateFor = (_operation, outcome) => decisionGate(outcome);
    traceparent = undefined;
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

  it('reports every decided command as completed: documents returned, written, server error codes, refusals, masked values', async () => {
    const c = await client();
    const notes = c.db('app').collection('notes');
    await direct.db('app').collection('notes').deleteMany({});
    let from = completed.length;
    await notes.insertMany([
      { _id: 'a' as never, body: 'one', secret: 's1' },
      { _id: 'b' as never, body: 'two', secret: 's2' },
      { _id: 'c' as never, body: 'three', secret: 's3' },
    ]);
    expect(await completionsOf('insert', from)).toEqual([expect.objectContaining({ result: 'ok', rows: 3, maskedValues: 0 })]);

    from = completed.length;
    const read = await notes.find({}, { batchSize: 2 }).toArray();
    expect(read.map((note) => note['secret'])).toEqual(['****', '****', '****']);
    const [find] = await completionsOf('find', from);
    const [getMore] = await completionsOf('getMore', from);
    expect(find).toMatchObject({ result: 'ok', rows: 2, maskedValues: 2 });
    expect(getMore).toMatchObject({ result: 'ok', rows: 1, maskedValues: 1 });
    expect(find!.durationMs).toBeGreaterThanOrEqual(0);

    from = completed.length;
    await notes.updateMany({ _id: { $in: ['a', 'b'] } } as never, { $set: { body: 'changed' } });
    expect(await completionsOf('update', from)).toEqual([expect.objectContaining({ result: 'ok', rows: 2 })]);

    from = completed.length;
    const duplicate = await notes.insertOne({ _id: 'a' as never, body: 'again' }).catch((error: unknown) => error);
    expect(duplicate).toMatchObject({ code: 11000 });
    const [failed] = await completionsOf('insert', from);
    // mongod answers ok: 1 with writeErrors (n: 0); some compatible servers answer ok: 0. Either way: an error, code 11000.
    expect(failed).toMatchObject({ result: 'error', errorCode: '11000' });
    expect(JSON.stringify(failed)).not.toContain('again');

    from = completed.length;
    await expect(c.db('app').command({ find: 'notes', filter: 'not a document' })).rejects.toMatchObject({ code: expect.any(Number) });
    const [bad] = await completionsOf('find', from);
    expect(bad).toMatchObject({ result: 'error', errorCode: expect.stringMatching(/^\d+$/) });

    from = completed.length;
    await expect(notes.drop()).rejects.toMatchObject({ code: 13 });
    expect(await completionsOf('drop', from)).toEqual([expect.objectContaining({ result: 'blocked', maskedValues: 0 })]);

    from = completed.length;
    await notes.insertOne({ _id: 'w0' as never, body: 'fire and forget' }, { writeConcern: { w: 0 } });
    expect(await completionsOf('insert', from)).toEqual([expect.objectContaining({ result: 'ok' })]);
    // The session goes on after an unacknowledged write.
    expect((await notes.find({}).toArray()).length).toBeGreaterThanOrEqual(3);
    await c.close();
  });

  it('carries the trace context upstream as the comment, and keeps a comment the client set', async () => {
    const c = await client();
    const notes = c.db('app').collection('notes');
    traceparent = TRACEPARENT;
    const from = relay.commands.length;
    await notes.find({ body: 'traced' }).toArray();
    await notes.find({ body: 'commented' }, { comment: 'from the client' }).toArray();
    const finds = relay.commands.slice(from).filter((command) => command['find'] === 'notes');
    expect(finds.map((command) => command['comment'])).toEqual([TRACEPARENT, 'from the client']);
    traceparent = undefined;
    const before = relay.commands.length;
    await notes.find({ body: 'untraced' }).toArray();
    expect(relay.commands.slice(before).find((command) => command['find'] === 'notes')?.['comment']).toBeUndefined();
    await c.close();
  });
});
