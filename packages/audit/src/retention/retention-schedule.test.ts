import { describe, expect, it } from 'vitest';
import { openEmbeddedAuditStore } from '../store/open-stores.js';
import { freshDataDir } from '../test-support/pglite-template.js';
import { action, query, session, signingKey } from '../test-support/fixtures.js';
import { AuditTrail } from '../trail.js';
import type { PruneReport } from '../store/audit-store.js';
import { scheduleRetention } from './retention-schedule.js';

describe('scheduled retention', () => {
  it('prunes from the oldest end on its timer, and what remains still verifies', async () => {
    const store = await openEmbeddedAuditStore({ dataDir: await freshDataDir(), signingKey: signingKey() });
    const trail = new AuditTrail({ store });
    try {
      const sink = trail.sink('async');
      await sink.onSessionStart(session('s1'));
      for (let i = 0; i < 60; i++) await sink.onQuery(query('s1', `st${i}`, [action('SELECT', 'app.public.t', 'SELECT * FROM t WHERE id = ?')]));
      await trail.drain();
      const before = (await trail.search({ limit: 1_000, order: 'asc' })).events;
      expect(before).toHaveLength(61);
      const bodyBytes = before.reduce((sum, event) => sum + JSON.stringify(event).length, 0);

      const reports: PruneReport[] = [];
      // Keep about a third of the bytes: the oldest two thirds must go.
      const schedule = scheduleRetention({ policy: { maxBytes: Math.floor(bodyBytes / 3) }, intervalMs: 20, prune: (policy) => trail.prune(policy), onPruned: (report) => reports.push(report) });
      await expect.poll(() => reports.length, { timeout: 20_000, interval: 20 }).toBeGreaterThan(0);
      await schedule.stop();

      expect(reports[0]!.pruned).toBeGreaterThan(30);
      const after = (await trail.search({ limit: 1_000, order: 'asc' })).events;
      expect(after.length).toBe(61 - reports.reduce((sum, report) => sum + report.pruned, 0));
      // The newest events are the ones kept, contiguous up to the end.
      expect(after.at(-1)!.seq).toBe(before.at(-1)!.seq);
      expect(after[0]!.seq).toBe(reports[0]!.anchor!.seq + 1);
      const verified = await trail.verify();
      expect(verified).toMatchObject({ ok: true, anchorSeq: reports[0]!.anchor!.seq });

      // Nothing left to prune: the next run is a no-op that still reports.
      expect((await schedule.runNow()).pruned).toBe(0);
    } finally {
      await trail.close();
    }
  }, 60_000);

  it('refuses a schedule with nothing to enforce, and reports failed prunes without stopping', async () => {
    expect(() => scheduleRetention({ policy: {}, prune: async () => ({ pruned: 0 }) })).toThrow(RangeError);
    const errors: unknown[] = [];
    let calls = 0;
    const schedule = scheduleRetention({
      policy: { maxAgeMs: 1_000 },
      intervalMs: 10,
      prune: async () => {
        calls++;
        throw new Error('store down');
      },
      onError: (error) => errors.push(error),
    });
    await expect.poll(() => calls, { timeout: 5_000, interval: 10 }).toBeGreaterThanOrEqual(2);
    await schedule.stop();
    expect(errors.length).toBeGreaterThanOrEqual(2);
    const settled = calls;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(settled);
  });
});
