import { describe, expect, it } from 'vitest';
import type { RowPredicate } from '@gatehouse/core';
import type { WrittenValue } from './insert-row-check.js';
import { checkInsertRow } from './insert-row-check.js';

function check(predicate: RowPredicate, row: Record<string, WrittenValue>): void {
  checkInsertRow({ predicate, rules: ['r1'] }, 'app.t', 1, (column) => row[column]);
}

const eu = { kind: 'string', value: 'eu' } as const;
const us = { kind: 'string', value: 'us' } as const;

describe('checkInsertRow', () => {
  it('passes rows the filter certainly matches, refuses others naming the rule and row only', () => {
    expect(() => check({ kind: 'eq', column: 'region', value: 'eu' }, { region: eu })).not.toThrow();
    expect(() => check({ kind: 'eq', column: 'region', value: 'eu' }, { region: us })).toThrow('INSERT into app.t: row 1 is outside the row filter of rule r1');
  });

  it('uses three-valued logic: NULL is outside both eq and not-eq', () => {
    const nul = { kind: 'null' } as const;
    expect(() => check({ kind: 'eq', column: 'region', value: 'eu' }, { region: nul })).toThrow('outside');
    expect(() => check({ kind: 'not', predicate: { kind: 'eq', column: 'region', value: 'eu' } }, { region: nul })).toThrow('outside');
    expect(() => check({ kind: 'eq', column: 'region', value: null }, { region: nul })).not.toThrow();
  });

  it('in / or / and', () => {
    const p: RowPredicate = { kind: 'and', predicates: [{ kind: 'in', column: 'region', values: ['eu', 'uk'] }, { kind: 'or', predicates: [{ kind: 'eq', column: 'tenant', value: 7 }] }] };
    expect(() => check(p, { region: eu, tenant: { kind: 'number', text: '7' } })).not.toThrow();
    expect(() => check(p, { region: eu, tenant: { kind: 'number', text: '8' } })).toThrow('outside');
  });

  it('refuses what it cannot decide: missing column, parameter, expression, mismatched types', () => {
    const p: RowPredicate = { kind: 'eq', column: 'tenant', value: 7 };
    expect(() => check(p, {})).toThrow('must name column tenant');
    expect(() => check(p, { tenant: { kind: 'param' } })).toThrow('parameter');
    expect(() => check(p, { tenant: { kind: 'other' } })).toThrow('computes column tenant');
    expect(() => check(p, { tenant: { kind: 'string', value: '7' } })).toThrow('different type');
    expect(() => check({ kind: 'not', predicate: p }, { tenant: { kind: 'string', value: '7' } })).toThrow('different type');
  });
});
