import type { Action, Decision, Principal, ReviewObligation } from '@gatehouse/core';
import type { ReviewedStatement, StatementContext } from '../approvals.js';

export function principal(id: string, groups: string[] = ['app']): Principal {
  return { id, groups, kind: 'human', via: 'gateway-token' };
}

export function context(who: Principal, connection = 'orders'): StatementContext {
  return { sessionId: `s-${who.id}`, principal: who, target: { connection, environment: 'prod', dialect: 'postgres' } };
}

export function reviewed(mode: 'hold' | 'ticket', overrides: Partial<ReviewObligation> = {}, fingerprint = 'delete from orders'): ReviewedStatement {
  const action: Action = {
    dialect: 'postgres',
    category: 'write',
    operation: 'DELETE',
    objects: [{ name: 'app.public.orders', kind: 'table', access: 'write' }],
    flags: ['unbounded'],
    fingerprint,
    redactedText: 'DELETE FROM orders',
  };
  const review: ReviewObligation = { rule: 'deletes-need-review', mode, approvers: { groups: ['dba'], users: [] }, minApprovals: 1, timeoutMs: 60_000, ...overrides };
  const decision: Decision = {
    effect: 'review',
    rules: ['deletes-need-review'],
    reason: 'unbounded deletes need a DBA',
    risk: { score: 7, factors: [{ name: 'flag:unbounded', points: 4 }] },
    obligations: { audit: 'standard', review },
    observed: [],
  };
  return { actions: [action], decision };
}
