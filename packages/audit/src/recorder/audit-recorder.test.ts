import { describe, expect, it } from 'vitest';
import type { StatementEvent } from '../events/event-types.js';
import { action, DIGEST_KEY, query, session } from '../test-support/fixtures.js';
import { MemoryStore } from '../test-support/memory-store.js';
import { AuditTrail } from '../trail.js';

describe('AuditRecorder via AuditTrail', () => {
  it('records every field the issue lists and nothing literal', async () => {
    const store = new MemoryStore();
    const trail = new AuditTrail({ store, digestKey: DIGEST_KEY });
    const sink = trail.sink('before-forward');
    await sink.onSessionStart(session('s1'));
    await sink.onQuery(query('s1', 'q1', [action('DELETE', 'app.public.users', 'DELETE FROM users WHERE id = $1', 'write')], 'review', {
      approvalId: 'apr-7',
      literals: [{ object: 'app.public.users', position: 1, value: 'needle-5150' }],
    }));
    await sink.onResult({ sessionId: 's1', statementId: 'q1', rowsAffected: 3, durationMs: 12, maskedValues: 0, errorCode: '23503' });
    await trail.authRefused({ client: { address: '192.0.2.1', application: 'DBeaver' }, claimedUser: 'eve', reason: 'expired-token', dialect: 'postgres', tls: { enabled: true } });
    await sink.onSessionEnd('s1', new Date('2026-01-01T10:00:30Z'));
    await trail.drain();

    const [start, statement, result, refused, end] = store.events;
    expect(start).toMatchObject({ type: 'session.start', principal: { id: 'alice', via: 'oidc' }, authMethod: 'cleartext-in-tls', client: { address: '10.0.0.7', application: 'psql' }, connection: 'orders', environment: 'prod', tls: { enabled: true, version: 'TLSv1.3' } });
    expect(statement).toMatchObject({
      type: 'statement',
      fingerprint: 'delete from users where id = $1',
      redactedText: 'DELETE FROM users WHERE id = $1',
      actions: [{ operation: 'DELETE', objects: [{ name: 'app.public.users', access: 'write' }] }],
      decision: { effect: 'review', rules: ['r-review'], risk: { score: 3, factors: ['category:read'] } },
      approvalId: 'apr-7',
    });
    expect((statement as StatementEvent).guardRedactions).toBeUndefined();
    expect(result).toMatchObject({ type: 'statement.result', principal: { id: 'alice' }, outcome: 'error', rowsAffected: 3, durationMs: 12, errorCode: '23503' });
    expect(refused).toMatchObject({ type: 'auth.refused', claimedUser: 'eve', reason: 'expired-token' });
    expect(end).toMatchObject({ type: 'session.end', durationMs: 30_000, statements: 1 });
    expect(JSON.stringify(store.events)).not.toContain('needle-5150');
    expect(trail.stats()).toMatchObject({ committed: 5, dropped: 0 });
  });

  it('drops literal bindings entirely when no digest key is configured', async () => {
    const store = new MemoryStore();
    const trail = new AuditTrail({ store });
    await trail.sink('async').onQuery(query('sx', 'q', [action('SELECT', 't', 'SELECT ?')], 'allow', { literals: [{ object: 't', column: 'c', value: 'needle' }] }));
    await trail.drain();
    expect(JSON.stringify(store.events)).not.toContain('needle');
    expect(store.events[0]).not.toHaveProperty('literalDigests');
    await expect(trail.whoTouched({ table: 't', value: 'needle' })).rejects.toThrow(/digestKey/);
  });

  it('async: folds a result that arrives in time into the statement record, in session order', async () => {
    const store = new MemoryStore();
    const trail = new AuditTrail({ store, recorder: { combineWithinMs: 60_000 } });
    const sink = trail.sink('async');
    await sink.onSessionStart(session('s1'));
    await sink.onQuery(query('s1', 'q1', [action('SELECT', 'app.public.users', 'SELECT ?')]));
    await sink.onResult({ sessionId: 's1', statementId: 'q1', rowsReturned: 2, durationMs: 3, maskedValues: 1 });
    // q2's result never comes before q3: q2 is written alone, before q3, and its late result separately.
    await sink.onQuery(query('s1', 'q2', [action('SELECT', 'app.public.users', 'SELECT ?')]));
    await sink.onQuery(query('s1', 'q3', [action('UPDATE', 'app.public.users', 'UPDATE users SET a = ?', 'write')]));
    await sink.onResult({ sessionId: 's1', statementId: 'q2', durationMs: 1, outcome: 'cancelled' });
    // A review is never held (approval events refer to it).
    await sink.onQuery(query('s1', 'q4', [action('DELETE', 'app.public.users', 'DELETE FROM users')], 'review'));
    await sink.onSessionEnd('s1', new Date('2026-01-01T10:00:30Z'));
    await trail.drain();
    const summary = store.events.map((event) => `${event.type}:${'statementId' in event ? event.statementId : ''}${'result' in event && event.result ? '+result' : ''}`);
    expect(summary).toEqual(['session.start:', 'statement:q1+result', 'statement:q2', 'statement:q3', 'statement.result:q2', 'statement:q4', 'session.end:']);
    expect(store.events[1]).toMatchObject({ result: { outcome: 'ok', rowsReturned: 2, durationMs: 3, maskedValues: 1 } });
  });

  it('async: a statement whose result is late is still written within the combining window', async () => {
    const store = new MemoryStore();
    const trail = new AuditTrail({ store, recorder: { combineWithinMs: 20 } });
    const sink = trail.sink('async');
    await sink.onSessionStart(session('s1'));
    await sink.onQuery(query('s1', 'q-long', [action('SELECT', 'app.public.users', 'SELECT pg_sleep(?)')]));
    // Generous under load: the sweeper runs every 10 ms, the writer lingers up to 10 ms.
    await expect.poll(() => store.events.map((event) => event.type), { timeout: 10_000 }).toEqual(['session.start', 'statement']);
    await sink.onResult({ sessionId: 's1', statementId: 'q-long', durationMs: 900 });
    await trail.close();
    expect(store.events.map((event) => event.type)).toEqual(['session.start', 'statement', 'statement.result']);
  });

  it('before-forward: never holds a statement record back', async () => {
    const store = new MemoryStore();
    const trail = new AuditTrail({ store, recorder: { combineWithinMs: 60_000 } });
    const sink = trail.sink('before-forward');
    await sink.onSessionStart(session('s1'));
    await sink.onQuery(query('s1', 'q1', [action('SELECT', 'app.public.users', 'SELECT ?')]));
    expect(store.events.map((event) => event.type)).toEqual(['session.start', 'statement']);
    await sink.onResult({ sessionId: 's1', statementId: 'q1', durationMs: 1 });
    await trail.drain();
    expect(store.events.map((event) => event.type)).toEqual(['session.start', 'statement', 'statement.result']);
  });
});
