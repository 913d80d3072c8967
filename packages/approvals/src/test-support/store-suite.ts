import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Approvals } from '../approvals.js';
import type { ApprovalChange } from '../approvals.js';
import type { ApprovalStore } from '../store/approval-store.js';
import { context, principal, reviewed } from './fixtures.js';

const carl = principal('carl');
const dora = principal('dora', ['dba']);
const erin = principal('erin', ['dba']);
const mallory = principal('mallory', ['app']);

/** The approvals behaviour every store must give (embedded and PostgreSQL run the same suite). */
export function defineApprovalsSuite(name: string, open: () => Promise<{ store: ApprovalStore; close(): Promise<void> }>): void {
  describe(`approvals on the ${name} store`, () => {
    let harness: { store: ApprovalStore; close(): Promise<void> };
    let approvals: Approvals;
    const changes: ApprovalChange[] = [];

    beforeAll(async () => {
      harness = await open();
      approvals = new Approvals({ store: harness.store, pollMs: 50, sweepMs: 0, onChange: (change) => void changes.push(change) });
    }, 120_000);

    afterAll(async () => {
      approvals?.close();
      await harness?.close();
    });

    it('holds a statement until it is approved, then lets it run once', async () => {
      let approvalId: string | undefined;
      const gate = approvals.gate(context(carl), reviewed('hold'), { record: (id) => void (approvalId = id) });
      await expect.poll(() => approvalId).toBeDefined();
      const pending = await approvals.get(approvalId!);
      expect(pending).toMatchObject({ state: 'pending', mode: 'hold', requester: { id: 'carl' }, connection: 'orders', environment: 'prod', statement: 'DELETE FROM orders', rule: 'deletes-need-review', risk: { score: 7, factors: ['flag:unbounded'] } });
      await approvals.approve(approvalId!, dora, 'ok for cleanup');
      await expect(gate).resolves.toEqual({ proceed: true, approvalId });
      expect((await approvals.get(approvalId!)).state).toBe('executed');
      expect(changes.filter((change) => change.request.id === approvalId).map((change) => [change.state, change.actor])).toEqual([
        ['pending', 'carl'],
        ['approved', 'dora'],
        ['executed', 'carl'],
      ]);
    });

    it('refuses a denied statement with the approver and comment', async () => {
      let approvalId: string | undefined;
      const gate = approvals.gate(context(carl), reviewed('hold'), { record: (id) => void (approvalId = id) });
      await expect.poll(() => approvalId).toBeDefined();
      await approvals.deny(approvalId!, erin, 'not during business hours');
      await expect(gate).resolves.toMatchObject({ proceed: false, reason: 'approval-denied', message: expect.stringContaining('erin: not during business hours') });
    });

    it('refuses self-approval, outsiders and double votes; needs minApprovals', async () => {
      const statement = reviewed('hold', { approvers: { groups: ['dba'], users: ['carl'] }, minApprovals: 2 });
      let approvalId: string | undefined;
      const gate = approvals.gate(context(carl), statement, { record: (id) => void (approvalId = id) });
      await expect.poll(() => approvalId).toBeDefined();
      await expect(approvals.approve(approvalId!, carl)).rejects.toMatchObject({ code: 'approvals.self-approval' });
      await expect(approvals.approve(approvalId!, mallory)).rejects.toMatchObject({ code: 'approvals.not-an-approver' });
      await approvals.approve(approvalId!, dora);
      await expect(approvals.approve(approvalId!, dora)).rejects.toMatchObject({ code: 'approvals.already-voted' });
      expect((await approvals.get(approvalId!)).state).toBe('pending');
      await approvals.approve(approvalId!, erin);
      await expect(gate).resolves.toMatchObject({ proceed: true });
      await expect(approvals.deny(approvalId!, erin)).rejects.toMatchObject({ code: 'approvals.not-pending' });
    });

    it('expires a held statement at the rule timeout', async () => {
      const started = Date.now();
      const result = await approvals.gate(context(carl), reviewed('hold', { timeoutMs: 300 }));
      expect(result).toMatchObject({ proceed: false, reason: 'approval-expired' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      const approvalId = (result as { approvalId: string }).approvalId;
      expect((await approvals.get(approvalId)).state).toBe('expired');
      await expect(approvals.approve(approvalId, dora)).rejects.toMatchObject({ code: 'approvals.not-pending' });
    });

    it('cancels a held statement when the client cancels', async () => {
      const controller = new AbortController();
      let approvalId: string | undefined;
      const gate = approvals.gate(context(carl), reviewed('hold'), { signal: controller.signal, record: (id) => void (approvalId = id) });
      await expect.poll(() => approvalId).toBeDefined();
      controller.abort();
      await expect(gate).resolves.toMatchObject({ proceed: false, cancelled: true });
      expect((await approvals.get(approvalId!)).state).toBe('cancelled');
    });

    it('tickets: refuses at once with the id, reuses the pending request, then allows one run after approval', async () => {
      const statement = reviewed('ticket', {}, `ticket ${name}`);
      const first = await approvals.gate(context(carl), statement);
      expect(first).toMatchObject({ proceed: false, reason: 'approval-required', message: expect.stringContaining('gatehouse approvals approve apr_') });
      const id = (first as { approvalId: string }).approvalId;
      expect(first.proceed === false && first.message).toContain(id);
      const again = await approvals.gate(context(carl), statement);
      expect((again as { approvalId: string }).approvalId).toBe(id);
      await approvals.approve(id, dora);
      // Another principal, or another connection, does not get carl's grant.
      expect((await approvals.gate(context(mallory), statement)).proceed).toBe(false);
      expect((await approvals.gate(context(carl, 'billing'), statement)).proceed).toBe(false);
      await expect(approvals.gate(context(carl), statement)).resolves.toEqual({ proceed: true, approvalId: id });
      expect((await approvals.get(id)).state).toBe('executed');
      const after = await approvals.gate(context(carl), statement);
      expect(after.proceed).toBe(false);
      expect((after as { approvalId: string }).approvalId).not.toBe(id);
    });

    it('sweeps overdue tickets to expired', async () => {
      const result = await approvals.gate(context(carl), reviewed('ticket', { timeoutMs: 1 }, `sweep ${name}`));
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await approvals.sweep()).toBeGreaterThanOrEqual(1);
      expect((await approvals.get((result as { approvalId: string }).approvalId)).state).toBe('expired');
      const listed = await approvals.list({ state: 'expired', requester: 'carl' });
      expect(listed.length).toBeGreaterThanOrEqual(1);
    });

    it('does nothing for statements that are not reviews', async () => {
      const allow = reviewed('hold');
      await expect(approvals.gate(context(carl), { ...allow, decision: { ...allow.decision, effect: 'allow' } })).resolves.toEqual({ proceed: true });
    });
  });
}
