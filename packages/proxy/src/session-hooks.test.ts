import type { Decision } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { composeHooks, decisionGate } from './session-hooks.js';
import type { GateResult, HookSession, SessionHooks } from './session-hooks.js';
import type { StatementOutcome } from './statement-decider.js';

const SESSION = { sessionId: 's', clientAddress: '127.0.0.1' } as unknown as HookSession;

function outcome(effect: Decision['effect']): StatementOutcome {
  return { actions: [], decision: { effect, rules: [], reason: effect, risk: { score: 0, factors: [] }, obligations: { audit: 'standard' }, observed: [] } };
}

const refuse = (message: string): GateResult => ({ proceed: false, reason: 'policy', message });

describe('composeHooks', () => {
  it('is undefined without members and the member itself when there is one', () => {
    expect(composeHooks()).toBeUndefined();
    expect(composeHooks(undefined, undefined)).toBeUndefined();
    const only: SessionHooks = { sessionStarted: () => undefined };
    expect(composeHooks(undefined, only)).toBe(only);
  });

  it('has no gate when no member has one (the adapter then uses the decision alone)', () => {
    const composed = composeHooks({ statementDecided: () => undefined }, { statementCompleted: () => undefined })!;
    expect(composed.gate).toBeUndefined();
    expect(composed.statementDecided).toBeDefined();
  });

  it('proceeds only when every gate proceeds; the first refusal wins and later gates are not asked', async () => {
    const asked: string[] = [];
    const gate = (name: string, result: GateResult | Promise<GateResult>): SessionHooks => ({
      gate: () => {
        asked.push(name);
        return result;
      },
    });
    const all = composeHooks(gate('a', { proceed: true }), gate('b', Promise.resolve({ proceed: true, approvalId: 'apr-1' })), gate('c', { proceed: true }))!;
    expect(await all.gate!(SESSION, outcome('allow'))).toEqual({ proceed: true, approvalId: 'apr-1' });
    expect(asked).toEqual(['a', 'b', 'c']);

    asked.length = 0;
    const refusing = composeHooks(gate('a', Promise.resolve(refuse('first'))), gate('b', refuse('second')))!;
    expect(await refusing.gate!(SESSION, outcome('allow'))).toEqual(refuse('first'));
    expect(asked).toEqual(['a']);
  });

  it('stays synchronous when every gate answers synchronously', () => {
    const composed = composeHooks({ gate: (_s, o) => decisionGate(o) }, { gate: () => ({ proceed: true }) })!;
    expect(composed.gate!(SESSION, outcome('allow'))).toEqual({ proceed: true });
    expect(composed.gate!(SESSION, outcome('deny'))).toMatchObject({ proceed: false, reason: 'policy' });
  });

  it('refuses when a gate throws or rejects: never forwards what could not be checked', async () => {
    const throwing = composeHooks({ gate: () => ({ proceed: true }) }, {
      gate: () => {
        throw new Error('audit store down');
      },
    })!;
    expect(throwing.gate!(SESSION, outcome('allow'))).toMatchObject({ proceed: false, reason: 'audit-unavailable' });
    const rejecting = composeHooks({ gate: () => Promise.reject(new Error('x')) }, { statementCompleted: () => undefined })!;
    expect(await rejecting.gate!(SESSION, outcome('allow'))).toMatchObject({ proceed: false, reason: 'audit-unavailable' });
  });

  it('passes the abort signal to every gate', async () => {
    const seen: (AbortSignal | undefined)[] = [];
    const composed = composeHooks({ gate: (_s, _o, signal) => (seen.push(signal), { proceed: true }) }, { gate: (_s, _o, signal) => (seen.push(signal), Promise.resolve({ proceed: true })) })!;
    const control = new AbortController();
    await composed.gate!(SESSION, outcome('allow'), control.signal);
    expect(seen).toEqual([control.signal, control.signal]);
  });

  it('fans events out to every member, in order, even when one throws', () => {
    const calls: string[] = [];
    const composed = composeHooks(
      {
        statementDecided: () => {
          calls.push('a');
          throw new Error('observer bug');
        },
        sessionEnded: (_s, _at, traffic) => void calls.push(`a-end:${traffic?.clientBytesIn ?? 'none'}`),
      },
      { statementDecided: () => void calls.push('b'), gateSettled: (_s, _o, result) => void calls.push(`b-settled:${String(result.proceed)}`) },
    )!;
    composed.statementDecided!(SESSION, outcome('allow'));
    composed.gateSettled!(SESSION, outcome('allow'), { proceed: true });
    composed.sessionEnded!(SESSION, new Date(), { clientBytesIn: 10, clientBytesOut: 20 });
    expect(calls).toEqual(['a', 'b', 'b-settled:true', 'a-end:10']);
  });

  it('asks tracers in order for the trace context: the first defined one wins, a throwing one is skipped', () => {
    const composed = composeHooks(
      { traceContext: () => { throw new Error('tracer bug'); } },
      { traceContext: () => undefined },
      { traceContext: () => '00-aaaa-bbbb-01' },
      { traceContext: () => '00-cccc-dddd-01' },
    )!;
    expect(composed.traceContext!(SESSION, outcome('allow'))).toBe('00-aaaa-bbbb-01');
    expect(composeHooks({ statementDecided: () => undefined }, { gate: () => ({ proceed: true }) })!.traceContext).toBeUndefined();
  });

  it('awaits every authenticationRefused member before the refusal is sent', async () => {
    const done: string[] = [];
    const composed = composeHooks(
      { authenticationRefused: () => new Promise<void>((resolve) => setTimeout(() => (done.push('slow'), resolve()), 20)) },
      { authenticationRefused: () => Promise.reject(new Error('one member fails alone')) },
    )!;
    await composed.authenticationRefused!({ sessionId: 's', connection: 'c', environment: 'e', dialect: 'postgres', clientAddress: '::1' }, { claimedUser: 'u', reason: 'identity.expired', tls: true });
    expect(done).toEqual(['slow']);
  });
});
