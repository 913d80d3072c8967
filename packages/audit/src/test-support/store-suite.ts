import type { KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../trail.js';
import type { AuditStore } from '../store/audit-store.js';
import type { StatementEvent } from '../events/event-types.js';
import { action, DIGEST_KEY, query, session, signingKey } from './fixtures.js';

/** A store under test plus raw SQL access to the same database, for tampering like an attacker. */
export interface StoreHarness {
  readonly store: AuditStore;
  readonly schema: string;
  raw(sql: string, params?: readonly unknown[]): Promise<readonly Record<string, unknown>[]>;
  /** A second, independent store instance over what is durable right now. */
  openIndependent(): Promise<AuditStore>;
  /** Bytes of every file the store keeps on disk, when it has any (embedded store). */
  diskFiles?(): Buffer[];
  close(): Promise<void>;
}

export type OpenHarness = (options: { signingKey: KeyObject; checkpointEveryEvents: number }) => Promise<StoreHarness>;

const PLAINTEXT = 'zq-Plaintext-7731@example.com';

/** Deletes one event row as an attacker would; returns how to put it back for the next test. */
async function takeRow(h: StoreHarness, seq: number): Promise<() => Promise<void>> {
  const [row] = await h.raw(`SELECT * FROM ${h.schema}.events WHERE seq = $1`, [seq]);
  await h.raw(`DELETE FROM ${h.schema}.events WHERE seq = $1`, [seq]);
  const r = row!;
  return async () => {
    await h.raw(
      `INSERT INTO ${h.schema}.events (seq, at, type, session_id, principal_id, connection, environment, effect, body, prev_hash, hash, terms) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
      [r['seq'], r['at'], r['type'], r['session_id'], r['principal_id'], r['connection'], r['environment'], r['effect'], r['body'], r['prev_hash'], r['hash'], r['terms']],
    );
  };
}

/** The same behaviour asserted for every SQL store: they share one schema and one implementation. */
export function defineStoreSuite(name: string, open: OpenHarness): void {
  describe(name, () => {
    let h: StoreHarness;
    let trail: AuditTrail;
    let key: KeyObject;

    beforeAll(async () => {
      key = signingKey();
      h = await open({ signingKey: key, checkpointEveryEvents: 5 });
      trail = new AuditTrail({ store: h.store, digestKey: DIGEST_KEY });
      const durable = trail.sink('before-forward');
      const fast = trail.sink('async');
      await durable.onSessionStart(session('s1', 'alice', ['dba', 'oncall'], 'orders', 'prod'));
      await fast.onSessionStart(session('s2', 'bob', ['analysts'], 'billing', 'staging'));
      await durable.onQuery(query('s1', 'q1', [action('SELECT', 'app.public.users', 'SELECT * FROM users WHERE id = ?')], 'allow', {
        literals: [{ object: 'app.public.users', column: 'id', value: 42 }],
      }));
      await durable.onResult({ sessionId: 's1', statementId: 'q1', rowsReturned: 1, durationMs: 2, maskedValues: 1 });
      await fast.onQuery(query('s2', 'q-filtered', [action('SELECT', 'app.public.customers', 'SELECT * FROM customers')], 'allow', {
        rewrittenText: 'SELECT * FROM (SELECT * FROM customers WHERE region = ?) AS customers',
      }));
      await fast.onQuery(query('s2', 'q2', [action('DELETE', 'app.public.orders', 'DELETE FROM orders', 'write')], 'deny'));
      await fast.onResult({ sessionId: 's2', statementId: 'q2', durationMs: 0, errorCode: '42501', outcome: 'blocked' });
      await durable.onQuery(query('s1', 'q3', [action('UPDATE', 'app.public.users', 'UPDATE users SET email = ? WHERE id = $1', 'write')], 'review', {
        approvalId: 'apr-1',
        literals: [
          { object: 'app.public.users', column: 'email', value: PLAINTEXT },
          { object: 'app.public.users', position: 1, value: '42' },
        ],
      }));
      await trail.authRefused({ client: { address: '10.0.0.9' }, claimedUser: 'mallory', reason: 'bad-token', connection: 'orders', tls: { enabled: true } });
      await trail.approvalChanged({ approvalId: 'apr-1', state: 'approved', actor: 'carol', rule: 'r-review' });
      await trail.reloaded({ what: 'policy', outcome: 'applied', source: '/etc/gatehouse/policy.yaml', digest: 'ab'.repeat(32) });
      await trail.adminAction({ actor: 'carol', roles: ['approver'], action: 'approvals.approve', resource: 'apr-1', outcome: 'ok' });
      await durable.onSessionEnd('s1', new Date('2026-01-01T10:05:00Z'));
      await fast.onSessionEnd('s2', new Date('2026-01-01T10:06:00Z'));
      await trail.drain();
    }, 60_000);

    afterAll(async () => {
      await h?.close();
    });

    it('appends a linear chain and reads it back in order', async () => {
      const events = await h.store.read();
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.map((e) => e.type)).toEqual([
        'session.start', 'session.start', 'statement', 'statement.result', 'statement', 'statement', 'statement',
        'auth.refused', 'approval', 'reload', 'admin', 'session.end', 'session.end',
      ]);
      for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
      const end = events.find((e) => e.type === 'session.end' && e.sessionId === 's1');
      expect(end).toMatchObject({ durationMs: 300_000, statements: 2, principal: { id: 'alice' } });
    });

    it('searches by every filter and pages with a cursor; results survive JSON', async () => {
      const seqs = async (filter: Parameters<AuditStore['search']>[0]): Promise<string[]> =>
        (await h.store.search({ ...filter, order: 'asc' })).events.map((e) => `${e.type}:${'statementId' in e ? e.statementId : ''}`);
      expect(await seqs({ user: 'bob', type: 'statement' })).toEqual(['statement:q-filtered', 'statement:q2']);
      expect(await seqs({ rewritten: true })).toEqual(['statement:q-filtered']);
      expect(await seqs({ rewritten: false, user: 'bob' })).toEqual(['statement:q2']);
      const [filtered] = (await h.store.search({ rewritten: true })).events;
      expect(filtered).toMatchObject({ rewritten: true, rewrittenText: 'SELECT * FROM (SELECT * FROM customers WHERE region = ?) AS customers' });
      expect(await seqs({ group: 'on*', type: 'statement' })).toEqual(['statement:q1', 'statement:q3']);
      // s2 is async: q2's result came in time and is part of its record.
      expect(await seqs({ connection: 'billing', type: 'statement.result' })).toEqual([]);
      const [q2] = (await h.store.search({ statementId: 'q2' })).events;
      expect(q2).toMatchObject({ type: 'statement', result: { outcome: 'blocked', errorCode: '42501', durationMs: 0 } });
      expect(await seqs({ environment: 'prod', object: '*.users' })).toEqual(['statement:q1', 'statement:q3']);
      expect(await seqs({ object: 'app.public.orders' })).toEqual(['statement:q2']);
      expect(await seqs({ operation: 'update' })).toEqual(['statement:q3']);
      expect(await seqs({ category: 'write', effect: 'deny' })).toEqual(['statement:q2']);
      expect(await seqs({ rule: 'r-review' })).toEqual(['statement:q3', 'approval:']);
      expect(await seqs({ approvalId: 'apr-1', type: ['statement', 'approval'] })).toEqual(['statement:q3', 'approval:']);
      expect(await seqs({ statementId: 'q1' })).toEqual(['statement:q1', 'statement.result:q1']);
      expect(await seqs({ type: 'auth.refused', from: '2000-01-01T00:00:00Z', to: new Date(Date.now() + 60_000) })).toEqual(['auth.refused:']);
      expect(await seqs({ type: 'statement', to: '2000-01-01T00:00:00Z' })).toEqual([]);

      const first = await h.store.search({ limit: 5 });
      expect(first.events).toHaveLength(5);
      expect(first.events[0]!.seq).toBeGreaterThan(first.events[4]!.seq);
      const second = await h.store.search({ limit: 5, cursor: first.next! });
      expect(second.events[0]!.seq).toBe(first.events[4]!.seq - 1);
      expect(JSON.parse(JSON.stringify(first))).toEqual(first);
    });

    it('before-forward: a statement record is durable when onQuery resolves', { timeout: 30_000 }, async () => {
      const sink = trail.sink('before-forward');
      await sink.onSessionStart(session('s9', 'dave'));
      await sink.onQuery(query('s9', 'q-durable', [action('SELECT', 'app.public.t', 'SELECT ?')]));
      // No drain, no close: what a second instance sees now is what survives a kill -9 now.
      const other = await h.openIndependent();
      try {
        const found = await other.search({ statementId: 'q-durable' });
        expect(found.events.map((e) => e.type)).toEqual(['statement']);
      } finally {
        await other.close();
      }
    });

    it('verifies an untouched trail, including signed interval checkpoints', async () => {
      const report = await trail.verify();
      expect(report).toMatchObject({ ok: true, problems: [] });
      expect(report.checkpoints.valid).toBeGreaterThanOrEqual(2);
      expect(report.checkpoints.valid).toBe(report.checkpoints.total);
    });

    it('names the edited event when a field is changed in SQL', async () => {
      const [row] = await h.raw(`SELECT body FROM ${h.schema}.events WHERE seq = 3`);
      // A row without a body (the log keeps it) gets the attacker's version of it.
      const readBack = row!['body'] === null ? (await h.store.read({ fromSeq: 3, toSeq: 3 }))[0] : undefined;
      const forged = readBack ? JSON.stringify({ ...readBack, prevHash: undefined, hash: undefined, decision: { ...(readBack as StatementEvent).decision, effect: 'deny' } }) : undefined;
      await h.raw(`UPDATE ${h.schema}.events SET body = coalesce($1, replace(body, '"allow"', '"deny"')) WHERE seq = 3`, [forged ?? null]);
      const report = await h.store.verify();
      await h.raw(`UPDATE ${h.schema}.events SET body = $1 WHERE seq = 3`, [row!['body']]);
      expect(report.ok).toBe(false);
      expect(report.first).toMatchObject({ seq: 3, kind: 'modified' });
    });

    it('names an event whose search column was edited to hide it', async () => {
      await h.raw(`UPDATE ${h.schema}.events SET principal_id = 'nobody' WHERE seq = 5`);
      const report = await h.store.verify();
      await h.raw(`UPDATE ${h.schema}.events SET principal_id = 'bob' WHERE seq = 5`);
      expect(report.first).toMatchObject({ seq: 5, kind: 'modified' });
    });

    it('names an event whose search terms were edited to hide it', async () => {
      const [row] = await h.raw(`SELECT seq, terms FROM ${h.schema}.events WHERE type = 'statement' ORDER BY seq LIMIT 1`);
      const seq = Number(row!['seq']);
      await h.raw(`UPDATE ${h.schema}.events SET terms = array_remove(terms, 'object:app.public.users') WHERE seq = $1`, [seq]);
      const report = await h.store.verify();
      await h.raw(`UPDATE ${h.schema}.events SET terms = $1 WHERE seq = $2`, [row!['terms'], seq]);
      expect(report.first).toMatchObject({ seq, kind: 'modified' });
      expect((await h.store.verify()).ok).toBe(true);
    });

    it('names a removed event', async () => {
      const restore = await takeRow(h, 4);
      const report = await h.store.verify();
      await restore();
      expect(report.first).toMatchObject({ seq: 4, kind: 'removed' });
    });

    it('names the first of two events whose seq were swapped', async () => {
      const swap = async (): Promise<void> => {
        await h.raw(`UPDATE ${h.schema}.events SET seq = -1 WHERE seq = 6`);
        await h.raw(`UPDATE ${h.schema}.events SET seq = 6 WHERE seq = 7`);
        await h.raw(`UPDATE ${h.schema}.events SET seq = 7 WHERE seq = -1`);
      };
      const [row] = await h.raw(`SELECT body IS NULL AS in_log FROM ${h.schema}.events WHERE seq = 6`);
      await swap();
      const report = await h.store.verify();
      await swap();
      // Rows that hold bodies now hold each other's. Where the log holds them (and stays in order),
      // row 6 carries event 7's hashes against event 6's body: the index was modified at 6.
      expect(report.first).toMatchObject({ seq: 6, kind: row!['in_log'] ? 'modified' : 'reordered' });
      expect((await h.store.verify()).ok).toBe(true);
    });

    it('detects a forged checkpoint and a cut tail', async () => {
      const [cp] = await h.raw(`SELECT seq, hash FROM ${h.schema}.checkpoints ORDER BY seq LIMIT 1`);
      await h.raw(`UPDATE ${h.schema}.checkpoints SET hash = $1 WHERE seq = $2`, ['f'.repeat(64), cp!['seq']]);
      const forged = await h.store.verify();
      await h.raw(`UPDATE ${h.schema}.checkpoints SET hash = $1 WHERE seq = $2`, [cp!['hash'], cp!['seq']]);
      expect(forged.first).toMatchObject({ seq: Number(cp!['seq']), kind: 'checkpoint-invalid' });

      const [last] = await h.raw(`SELECT max(seq) AS seq FROM ${h.schema}.events`);
      const lastSeq = Number(last!['seq']);
      const restore = await takeRow(h, lastSeq);
      const cut = await h.store.verify();
      await restore();
      expect(cut.first).toMatchObject({ seq: lastSeq, kind: 'removed' });
      expect((await h.store.verify()).ok).toBe(true);
    });

    it('who-touched finds statements by value, and the value is stored nowhere', async () => {
      const byColumn = await trail.whoTouched({ table: 'app.public.users', column: 'id', value: '42' });
      expect(byColumn.events.map((e) => (e as StatementEvent).statementId)).toEqual(['q1']);
      const anyColumn = await trail.whoTouched({ table: 'app.public.users', value: 42, order: 'asc' });
      expect(anyColumn.events.map((e) => (e as StatementEvent).statementId)).toEqual(['q1', 'q3']);
      const byEmail = await trail.whoTouched({ table: 'app.public.users', column: 'email', value: PLAINTEXT });
      expect(byEmail.events.map((e) => (e as StatementEvent).statementId)).toEqual(['q3']);
      expect((await trail.whoTouched({ table: 'app.public.orders', value: 42 })).events).toEqual([]);

      const tables = ['events', 'checkpoints', 'head', 'meta'];
      for (const table of tables) {
        const rows = await h.raw(`SELECT t::text AS row FROM ${h.schema}.${table} t`);
        for (const row of rows) expect(String(row['row'])).not.toContain(PLAINTEXT);
      }
      const needle = Buffer.from(PLAINTEXT);
      for (const file of h.diskFiles?.() ?? []) expect(file.includes(needle)).toBe(false);
    });

    it('prunes by count from the oldest end and what remains still verifies', async () => {
      const before = await h.store.read({ limit: 10_000 });
      const report = await h.store.prune({ maxEvents: 6 });
      expect(report.pruned).toBe(before.length - 6);
      expect(report.anchor).toMatchObject({ reason: 'prune', seq: before.at(-7)!.seq });
      const after = await h.store.verify();
      expect(after).toMatchObject({ ok: true, anchorSeq: before.at(-7)!.seq, events: 6 });
      // The chain continues across the anchor.
      await trail.sink('before-forward').onQuery(query('s1', 'q-after', [action('SELECT', 'app.public.t', 'SELECT ?')]));
      expect((await h.store.verify()).ok).toBe(true);
      // Deleting the first event left after pruning is still a removal.
      const first = (await h.store.read({ limit: 1 }))[0]!.seq;
      const restore = await takeRow(h, first);
      const broken = await h.store.verify();
      await restore();
      expect(broken.first).toMatchObject({ seq: first, kind: 'removed' });
    });

    it('prunes by age and by size', async () => {
      const sink = trail.sink('before-forward');
      for (let i = 0; i < 5; i++) {
        await sink.onQuery(query('s1', `q-age-${i}`, [action('SELECT', 'app.public.t', 'SELECT ?')], 'allow', { at: new Date() }));
      }
      // Everything before these five is stamped 2026-01-01 (the fixtures' statement time) or earlier.
      const byAge = await h.store.prune({ maxAgeMs: 60 * 60_000 });
      expect(byAge.pruned).toBeGreaterThan(0);
      expect((await h.store.read({ limit: 10_000 })).map((e) => (e as StatementEvent).statementId)).toEqual(['q-age-0', 'q-age-1', 'q-age-2', 'q-age-3', 'q-age-4']);
      const bySize = await h.store.prune({ maxBytes: 1_500 });
      expect(bySize.pruned).toBeGreaterThan(0);
      const left = await h.store.read({ limit: 10_000 });
      expect(left.length).toBeGreaterThan(0);
      expect(left.length).toBeLessThan(5);
      expect((await h.store.verify()).ok).toBe(true);
    });
  });
}
