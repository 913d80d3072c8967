import { describe, expect, it } from 'vitest';
import type { AuthenticationRefusal, HookSession, SessionAttempt, SessionHooks } from './session-hooks.js';
import { composeHooks } from './session-hooks.js';
import type { StatementOutcome } from './statement-decider.js';

const SESSION = { sessionId: 's1' } as HookSession;
const OUTCOME = { actions: [], decision: { effect: 'allow' } } as unknown as StatementOutcome;
const ATTEMPT: SessionAttempt = { sessionId: 's1', connection: 'orders', environment: 'prod', dialect: 'postgres', clientAddress: '127.0.0.1' };
const REFUSAL: AuthenticationRefusal = { claimedUser: 'mallory', reason: 'identity.bad-token', tls: true };

describe('composeHooks: cancellation and refused logins', () => {
  it('hands every gate the cancel signal', async () => {
    const seen: (AbortSignal | undefined)[] = [];
    const hooks = composeHooks(
      { gate: (_s, _o, signal) => (seen.push(signal), { proceed: true }) },
      { gate: async (_s, _o, signal) => (seen.push(signal), { proceed: true }) },
    )!;
    const controller = new AbortController();
    await hooks.gate!(SESSION, OUTCOME, controller.signal);
    expect(seen).toEqual([controller.signal, controller.signal]);
  });

  it('awaits every authenticationRefused member, even when one fails', async () => {
    const order: string[] = [];
    const members: SessionHooks[] = [
      { authenticationRefused: async () => void (await new Promise((resolve) => setTimeout(resolve, 20)), order.push('slow')) },
      { authenticationRefused: () => Promise.reject(new Error('store down')) },
      { authenticationRefused: (_attempt, refusal) => void order.push(refusal.claimedUser) },
    ];
    await composeHooks(...members)!.authenticationRefused!(ATTEMPT, REFUSAL);
    expect(order.sort()).toEqual(['mallory', 'slow']);
  });
});
