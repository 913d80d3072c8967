import type { AuditEvent, AuditSearchPage, AuditStore, PruneReport, SealedAuditEvent, VerifyReport } from '@gatehouse/audit';
import { AuditTrail } from '@gatehouse/audit';
import type { Action, Decision, Effect } from '@gatehouse/core';
import type { HookSession, StatementOutcome } from '@gatehouse/proxy';
import { createLogger } from '@gatehouse/proxy';
import { describe, expect, it } from 'vitest';
import { controlPlaneHooks } from './control-plane-hooks.js';
import { LiveSessions } from './live-sessions.js';

/** Keeps appended events; `gate` holds commits back until it resolves. */
class ListStore implements AuditStore {
  readonly events: AuditEvent[] = [];
  gate: Promise<void> | undefined;

  async append(events: readonly AuditEvent[]): Promise<readonly SealedAuditEvent[]> {
    await this.gate;
    this.events.push(...events);
    return [];
  }
  async read(): Promise<readonly SealedAuditEvent[]> {
    return [];
  }
  async search(): Promise<AuditSearchPage> {
    return { events: [] };
  }
  async verify(): Promise<VerifyReport> {
    return { ok: true, events: 0, checkpoints: { total: 0, valid: 0 }, problems: [] };
  }
  async prune(): Promise<PruneReport> {
    return { pruned: 0 };
  }
  async checkpoint(): Promise<undefined> {
    return undefined;
  }
  async checkpoints(): Promise<readonly never[]> {
    return [];
  }
  async close(): Promise<void> {
    this.gate = undefined;
  }
}

const read: Action = {
  dialect: 'postgres',
  category: 'read',
  operation: 'SELECT',
  objects: [{ name: 'app.public.users', kind: 'table', access: 'read', columns: ['id'] }],
  flags: [],
  fingerprint: 'select * from users where id = ?',
  redactedText: 'SELECT * FROM users WHERE id = ?',
};

function outcome(effect: Effect): StatementOutcome {
  const decision: Decision = { effect, rules: [`r-${effect}`], reason: effect, risk: { score: 1, factors: [] }, obligations: { audit: 'standard' }, observed: [] };
  return { actions: [read], decision };
}

function session(connection: string): HookSession {
  return {
    sessionId: `s-${connection}`,
    principal: { id: 'alice', groups: ['dba'], kind: 'human', via: 'oidc', attributes: {} },
    target: { connection, environment: 'prod', dialect: 'postgres', database: 'app' },
    clientAddress: '10.0.0.7',
  };
}

function setup() {
  const store = new ListStore();
  const trail = new AuditTrail({ store });
  const hooks = controlPlaneHooks({
    trail,
    sessions: new LiveSessions(),
    logger: createLogger({ level: 'silent' }),
    durabilityOf: (connection) => (connection === 'durable' ? 'before-forward' : 'async'),
  });
  return { store, trail, hooks };
}

describe('controlPlaneHooks gate', () => {
  it('async: answers at once (no promise to wait for) and still records the statement with its result', async () => {
    const { store, trail, hooks } = setup();
    const fast = session('fast');
    hooks.sessionStarted!({ ...fast, tls: false, startedAt: new Date() });
    const allowed = outcome('allow');
    expect(hooks.gate!(fast, allowed)).toEqual({ proceed: true });
    hooks.statementCompleted!(fast, { outcome: allowed, result: 'ok', rows: 1, durationMs: 2, maskedValues: 0 });
    const denied = outcome('deny');
    expect(hooks.gate!(fast, denied)).toMatchObject({ proceed: false, reason: 'policy' });
    await trail.drain();
    const statements = store.events.filter((event) => event.type === 'statement');
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatchObject({ result: { outcome: 'ok', rowsReturned: 1 } });
    expect(statements[1]).toMatchObject({ decision: { effect: 'deny' } });
  });

  it('before-forward: answers only once the record is committed', async () => {
    const { store, trail, hooks } = setup();
    const durable = session('durable');
    hooks.sessionStarted!({ ...durable, tls: false, startedAt: new Date() });
    await trail.drain();
    let commit!: () => void;
    store.gate = new Promise<void>((resolve) => (commit = resolve));
    const answer = hooks.gate!(durable, outcome('allow'));
    expect(answer).toBeInstanceOf(Promise);
    let settled = false;
    void (answer as Promise<unknown>).then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    commit();
    await expect(answer).resolves.toEqual({ proceed: true });
    expect(store.events.at(-1)).toMatchObject({ type: 'statement' });
  });

  it('refuses (a rejected gate) when the record cannot be written', async () => {
    const { trail, hooks } = setup();
    const fast = session('fast');
    hooks.sessionStarted!({ ...fast, tls: false, startedAt: new Date() });
    await trail.close();
    await expect(hooks.gate!(fast, outcome('allow'))).rejects.toThrow(/closed/);
  });

  it('links each result to its statement by id: repeated executions, copies and frozen outcomes', async () => {
    const { store, trail, hooks } = setup();
    // before-forward: every statement and result is its own event (none folded together).
    const durable = session('durable');
    hooks.sessionStarted!({ ...durable, tls: false, startedAt: new Date() });
    const parsed = outcome('allow');
    await hooks.gate!(durable, parsed);
    // An extended-protocol statement is gated once at Parse and completes once per Execute.
    hooks.statementCompleted!(durable, { outcome: parsed, result: 'ok', rows: 1, durationMs: 1, maskedValues: 0 });
    hooks.statementCompleted!(durable, { outcome: parsed, result: 'ok', rows: 2, durationMs: 1, maskedValues: 0 });
    // The decider's repeat is a spread copy of an earlier outcome: gated on its own, its own id.
    const repeated = { ...parsed };
    await hooks.gate!(durable, repeated);
    hooks.statementCompleted!(durable, { outcome: repeated, result: 'ok', rows: 3, durationMs: 1, maskedValues: 0 });
    const frozen = Object.freeze(outcome('allow'));
    await hooks.gate!(durable, frozen);
    hooks.statementCompleted!(durable, { outcome: frozen, result: 'ok', rows: 4, durationMs: 1, maskedValues: 0 });
    // Frozen after its first gate: gated again, it still gets (and its completion finds) a new id.
    Object.freeze(repeated);
    await hooks.gate!(durable, repeated);
    hooks.statementCompleted!(durable, { outcome: repeated, result: 'ok', rows: 5, durationMs: 1, maskedValues: 0 });
    await trail.drain();
    const ids = store.events.filter((event) => event.type === 'statement').map((event) => (event as { statementId: string }).statementId);
    const results = store.events.filter((event) => event.type === 'statement.result') as unknown as { statementId: string; rowsReturned: number }[];
    expect(new Set(ids).size).toBe(4);
    expect(results.map((result) => [result.rowsReturned, result.statementId])).toEqual([
      [1, ids[0]],
      [2, ids[0]],
      [3, ids[1]],
      [4, ids[2]],
      [5, ids[3]],
    ]);
    // Nothing visible was added to the outcome.
    expect(Object.keys(parsed)).toEqual(['actions', 'decision']);
    expect(JSON.stringify(repeated)).toBe(JSON.stringify(outcome('allow')));
  });
});
