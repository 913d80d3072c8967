import { serialize } from 'bson';
import type { Document } from 'bson';
import type { Action, Decision, RowFilter } from '@gatehouse/core';
import type { StatementOutcome } from '@gatehouse/proxy';
import { describe, expect, it } from 'vitest';
import { decodeDocument } from '../protocol/bson-codec.js';
import { applyRowFilters } from './row-filter-step.js';

const FILTER: RowFilter = { pattern: '*.*.customers', predicate: { kind: 'eq', column: 'region', value: 'eu-secret' }, rule: 'own-region' };

function outcome(rowFilters: RowFilter[] | undefined, effect: Decision['effect'] = 'allow'): StatementOutcome {
  const action = { dialect: 'mongodb', category: 'read', operation: 'find', objects: [{ name: 'app.customers', kind: 'collection', access: 'read' }], flags: [], fingerprint: 'f', redactedText: 'r' } as unknown as Action;
  const decision = { effect, rules: ['allow-all'], reason: 'ok', risk: { score: 0, factors: [] }, obligations: { audit: 'standard', ...(rowFilters ? { rowFilters } : {}) } } as unknown as Decision;
  return { actions: [action], decision };
}

function step(command: Document, result: StatementOutcome) {
  const body = Buffer.from(serialize(command));
  return applyRowFilters('app', decodeDocument(body), body, [], result);
}

describe('row filters on a decided MongoDB command', () => {
  it('leaves a command without filters, or a denied one, alone', () => {
    const plain = outcome(undefined);
    expect(step({ find: 'customers', $db: 'app' }, plain)).toEqual({ outcome: plain });
    const denied = outcome([FILTER], 'deny');
    expect(step({ find: 'customers', $db: 'app' }, denied).changes).toBeUndefined();
  });

  it('forwards the rewritten body and records its shape, never the filter value', () => {
    const result = step({ find: 'customers', filter: { name: 'Ana' }, $db: 'app' }, outcome([FILTER]));
    expect(decodeDocument(result.changes!.body!)).toMatchObject({ filter: { $and: [{ name: 'Ana' }, { region: { $eq: 'eu-secret' } }] } });
    expect(result.outcome.forwardText).toContain('$and');
    expect(result.outcome.forwardText).not.toContain('eu-secret');
    expect(result.outcome.forwardText).not.toContain('Ana');
  });

  it('turns a command it cannot limit into a deny naming the rule', () => {
    const result = step({ mapReduce: 'customers', map: 'function(){}', reduce: 'function(){}', $db: 'app' }, outcome([FILTER]));
    expect(result.changes).toBeUndefined();
    expect(result.outcome.decision).toMatchObject({ effect: 'deny', rules: ['own-region'], reason: expect.stringContaining('row filter cannot be applied') });
  });

  it('refuses when the client bytes would not survive re-encoding (integer-like keys reorder)', () => {
    // Hand-built: {find: 'customers', filter: {b: 1, '2': 1}} in that key order; a JS object would put '2' first.
    const filter = Buffer.concat([Buffer.from([0x10]), Buffer.from('b\0'), int32(1), Buffer.from([0x10]), Buffer.from('2\0'), int32(1)]);
    const filterDoc = Buffer.concat([int32(filter.length + 5), filter, Buffer.from([0])]);
    const elements = Buffer.concat([Buffer.from([0x02]), Buffer.from('find\0'), bsonString('customers'), Buffer.from([0x03]), Buffer.from('filter\0'), filterDoc]);
    const raw = Buffer.concat([int32(elements.length + 5), elements, Buffer.from([0])]);
    const result = applyRowFilters('app', decodeDocument(raw), raw, [], outcome([FILTER]));
    expect(result.outcome.decision).toMatchObject({ effect: 'deny', reason: expect.stringContaining('re-encode') });
  });
});

function int32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32LE(value, 0);
  return out;
}

function bsonString(text: string): Buffer {
  const bytes = Buffer.from(`${text}\0`, 'utf8');
  return Buffer.concat([int32(bytes.length), bytes]);
}
