import type { Action, Decision } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { decodeNoticeResponse } from '../protocol/messages/error-notice.js';
import { decodeCommandComplete } from '../protocol/messages/query.js';
import { backendFrame } from '../testing/support.js';
import { cutCommandComplete, LimitedResponse, RowAllowance, rowLimitNotice } from './row-limit.js';
import { ROW_LIMIT_RULE, rowLimitRefusal } from './row-limit-refusals.js';

const tagOf = (message: Buffer): string => decodeCommandComplete(backendFrame(message)).tag;

function decision(rowLimit: number | undefined, effect: Decision['effect'] = 'allow'): Decision {
  return {
    effect,
    rules: ['agents'],
    reason: 'ok',
    risk: { score: 1, factors: [] },
    obligations: { audit: 'standard', ...(rowLimit === undefined ? {} : { rowLimit }) },
    observed: [],
  };
}

function action(category: Action['category'], operation: string, fingerprint = operation): Action {
  return { dialect: 'postgres', category, operation, objects: [], flags: [], fingerprint, redactedText: fingerprint };
}

describe('row allowance', () => {
  it('admits up to the limit over several responses, then drops and says it cut', () => {
    const allowance = new RowAllowance(3);
    const first = new LimitedResponse(allowance);
    expect([first.admit(), first.admit()]).toEqual([true, true]);
    expect(first.cut).toBe(false);
    const second = new LimitedResponse(allowance);
    expect([second.admit(), second.admit(), second.admit()]).toEqual([true, false, false]);
    expect([second.sent, second.dropped, second.cut]).toEqual([1, 2, true]);
  });
});

describe('what a cut client sees', () => {
  it('a NOTICE naming the limit and the rules', () => {
    const notice = decodeNoticeResponse(backendFrame(rowLimitNotice(1000, decision(1000))));
    expect(notice.severity).toBe('NOTICE');
    expect(notice.message).toBe('gatehouse: result cut to 1000 rows by policy (agents); the remaining rows were not sent');
  });

  it('a tag with the rows it got for reads, the server count for writes, a complete tag for a suspended portal', () => {
    expect(tagOf(cutCommandComplete('SELECT 5000', 1000, 'SELECT'))).toBe('SELECT 1000');
    expect(tagOf(cutCommandComplete('FETCH 600', 400, 'FETCH'))).toBe('FETCH 400');
    expect(tagOf(cutCommandComplete('UPDATE 5000', 1000, 'UPDATE'))).toBe('UPDATE 5000');
    expect(tagOf(cutCommandComplete(undefined, 200, 'SELECT'))).toBe('SELECT 200');
    expect(tagOf(cutCommandComplete(undefined, 200, 'INSERT'))).toBe('INSERT 0 200');
    expect(tagOf(cutCommandComplete(undefined, 0, 'DELETE'))).toBe('DELETE 0');
  });
});

describe('statements a row limit refuses', () => {
  it('refuses COPY TO STDOUT and unreadable or bundled FETCHes, only under a limit', () => {
    const copy = rowLimitRefusal(decision(10), [action('read', 'COPY')], false);
    expect(copy?.effect).toBe('deny');
    expect(copy?.rules).toEqual([ROW_LIMIT_RULE]);
    expect(copy?.reason).toMatch(/COPY … TO STDOUT cannot be cut to the row limit of 10 \(agents\)/);
    expect(rowLimitRefusal(decision(10), [action('read', 'FETCH', 'FETCH U&"c"')], false)?.effect).toBe('deny');
    expect(rowLimitRefusal(decision(10), [action('read', 'SELECT'), action('read', 'FETCH', 'FETCH c')], false)?.effect).toBe('deny');
    expect(rowLimitRefusal(decision(10), [action('read', 'FETCH', 'FETCH c')], false)).toBeUndefined();
    expect(rowLimitRefusal(decision(10), [action('write', 'COPY')], false)).toBeUndefined();
    expect(rowLimitRefusal(decision(undefined), [action('read', 'COPY')], false)).toBeUndefined();
    expect(rowLimitRefusal(decision(10, 'deny'), [action('read', 'COPY')], false)).toBeUndefined();
    // Once a cursor was opened under a limit, a FETCH whose own decision has none is checked too.
    expect(rowLimitRefusal(decision(undefined), [action('read', 'SELECT'), action('read', 'FETCH', 'FETCH c')], true)?.reason).toMatch(/with cursors open under a row limit/);
    expect(rowLimitRefusal(decision(undefined), [action('read', 'FETCH', 'FETCH c')], true)).toBeUndefined();
    expect(rowLimitRefusal(decision(undefined), [action('read', 'COPY')], true)).toBeUndefined();
  });
});
