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
});
