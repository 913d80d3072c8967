import { EJSON, serialize, deserialize } from 'bson';
import type { Document } from 'bson';
import type { ObjectRef, RowFilter } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { RowFilterRefusal } from './refusal.js';
import { rewriteForRowFilters } from './rewrite-command.js';

const REGION: RowFilter = { pattern: '*.*.customers', predicate: { kind: 'eq', column: 'region', value: 'eu' }, rule: 'support-sees-own-region' };
const TENANTS: RowFilter = { pattern: '*.*.orders', predicate: { kind: 'in', column: 'tenant_id', values: [1, 2] }, rule: 'tenants' };
const FILTERS = [REGION, TENANTS];
const EU = { region: { $eq: 'eu' } };

function objectsOf(...names: string[]): ObjectRef[] {
  return names.map((name) => ({ name: `app.${name}`, kind: 'collection', access: 'read' }));
}

function rewrite(command: Document, sequences = new Map<string, Document[]>(), objects = objectsOf(String(Object.values(command)[0]))) {
  return rewriteForRowFilters('app', command, sequences, FILTERS, objects);
}

function refusalOf(run: () => unknown): RowFilterRefusal {
  try {
    run();
  } catch (error) {
    if (error instanceof RowFilterRefusal) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('row filters rewrite MongoDB commands', () => {
  it('ANDs the filter into find, count and distinct, keeping the client filter as sent', () => {
    expect(rewrite({ find: 'customers', filter: { name: 'Ana' } })?.command).toEqual({ find: 'customers', filter: { $and: [{ name: 'Ana' }, EU] } });
    expect(rewrite({ find: 'customers' })?.command['filter']).toEqual(EU);
    expect(rewrite({ count: 'customers', query: {} })?.command['query']).toEqual(EU);
    expect(rewrite({ distinct: 'customers', key: 'name' })?.command['query']).toEqual(EU);
    expect(rewrite({ find: 'products', filter: {} })).toBeUndefined();
  });

  it('binds values as typed values: an operator-looking string stays a string', () => {
    const sneaky: RowFilter = { ...REGION, predicate: { kind: 'eq', column: 'region', value: '{"$gt": ""}' } };
    const result = rewriteForRowFilters('app', { find: 'customers' }, new Map(), [sneaky], objectsOf('customers'));
    const bytes = serialize(result!.command);
    expect(deserialize(bytes)['filter']).toEqual({ region: { $eq: '{"$gt": ""}' } });
    const dollar: RowFilter = { ...REGION, predicate: { kind: 'in', column: 'region', values: ['$where', 3, true, null] } };
    expect(rewriteForRowFilters('app', { find: 'customers' }, new Map(), [dollar], objectsOf('customers'))!.command['filter']).toEqual({
      region: { $in: ['$where', 3, true, null] },
    });
  });

  it('refuses a filter whose value is not a scalar or whose column looks like an operator', () => {
    const object = { ...REGION, predicate: { kind: 'eq', column: 'region', value: { $gt: '' } } } as unknown as RowFilter;
    expect(refusalOf(() => rewriteForRowFilters('app', { find: 'customers' }, new Map(), [object], objectsOf('customers'))).rule).toBe(REGION.rule);
    const column: RowFilter = { ...REGION, predicate: { kind: 'eq', column: '$where', value: 'x' } };
    expect(() => rewriteForRowFilters('app', { find: 'customers' }, new Map(), [column], objectsOf('customers'))).toThrow(RowFilterRefusal);
  });

  it('translates not/and/or with SQL null semantics, and intersects several filters', () => {
    const predicate: RowFilter['predicate'] = {
      kind: 'or',
      predicates: [
        { kind: 'and', predicates: [{ kind: 'eq', column: 'a', value: 1 }] },
        { kind: 'not', predicate: { kind: 'in', column: 'b', values: ['x'] } },
      ],
    };
    const filter = rewriteForRowFilters('app', { find: 'customers' }, new Map(), [{ ...REGION, predicate }, REGION], objectsOf('customers'))!.command['filter'];
    expect(filter).toEqual({
      $and: [{ $or: [{ $and: [{ a: { $eq: 1 } }] }, { $and: [{ $nor: [{ b: { $in: ['x'] } }] }, { b: { $ne: null } }] }] }, EU],
    });
  });

  it('limits every update and delete statement, in the body or a document sequence', () => {
    const update = rewrite({ update: 'customers', updates: [{ q: { name: 'Ana' }, u: { $set: { vip: true } }, multi: true }] });
    expect(update?.command['updates']).toEqual([{ q: { $and: [{ name: 'Ana' }, EU] }, u: { $set: { vip: true } }, multi: true }]);
    const deletes = new Map([['deletes', [{ q: {}, limit: 0 }]]]);
    const removed = rewrite({ delete: 'customers' }, deletes);
    expect(removed?.sequences.get('deletes')).toEqual([{ q: EU, limit: 0 }]);
    expect(rewrite({ findAndModify: 'customers', query: { a: 1 }, remove: true })?.command['query']).toEqual({ $and: [{ a: 1 }, EU] });
  });

  it('refuses updates that would move a document out of the filter', () => {
    expect(refusalOf(() => rewrite({ update: 'customers', updates: [{ q: {}, u: { $set: { region: 'us' } } }] })).message).toContain('changes a field');
    expect(() => rewrite({ update: 'customers', updates: [{ q: {}, u: { $rename: { old: 'region' } } }] })).toThrow(RowFilterRefusal);
    expect(() => rewrite({ update: 'customers', updates: [{ q: {}, u: { $unset: { 'region.code': 1 } } }] })).toThrow(RowFilterRefusal);
    expect(() => rewrite({ update: 'customers', updates: [{ q: {}, u: [{ $set: { x: 1 } }] }] })).toThrow(RowFilterRefusal);
    expect(() => rewrite({ update: 'customers', updates: [{ q: {}, u: { name: 'x', region: 'us' } }] })).toThrow(RowFilterRefusal);
    expect(rewrite({ update: 'customers', updates: [{ q: {}, u: { name: 'x', region: 'eu' } }] })).toBeDefined();
    expect(() => rewrite({ update: 'orders', updates: [{ q: {}, u: { $set: { x: 1 } }, upsert: true }] })).toThrow(RowFilterRefusal);
    expect(rewrite({ update: 'customers', updates: [{ q: {}, u: { $set: { x: 1 } }, upsert: true }] })).toBeDefined();
    expect(() => rewrite({ findAndModify: 'customers', query: {}, update: { $set: { region: 'us' } } })).toThrow(RowFilterRefusal);
  });

  it('checks every inserted document and never names its values', () => {
    expect(rewrite({ insert: 'customers', documents: [{ region: 'eu', name: 'Ana' }] })).toBeDefined();
    const refused = refusalOf(() => rewrite({ insert: 'customers' }, new Map([['documents', [{ region: 'eu' }, { region: 'us', name: 'Secret Name' }]]])));
    expect(refused.rule).toBe('support-sees-own-region');
    expect(refused.message).toContain('document 2');
    expect(refused.message).not.toMatch(/us|Secret/);
    expect(() => rewrite({ insert: 'customers', documents: [{ name: 'no region' }] })).toThrow(RowFilterRefusal);
    expect(() => rewrite({ insert: 'customers', documents: [{ region: ['eu'] }] })).toThrow(RowFilterRefusal);
    expect(rewrite({ insert: 'orders', documents: [{ tenant_id: 2 }] })).toBeDefined();
  });

  it('prepends $match to pipelines and limits $lookup, $unionWith, $graphLookup and $facet on filtered collections', () => {
    const command = EJSON.deserialize({
      aggregate: 'orders',
      pipeline: [
        { $lookup: { from: 'customers', localField: 'customer', foreignField: '_id', as: 'c' } },
        { $lookup: { from: 'customers', let: { id: '$customer' }, pipeline: [{ $match: { vip: true } }], as: 'v' } },
        { $unionWith: 'customers' },
        { $facet: { nested: [{ $unionWith: { coll: 'customers', pipeline: [{ $limit: 1 }] } }] } },
        { $graphLookup: { from: 'customers', startWith: '$a', connectFromField: 'a', connectToField: 'b', as: 'g' } },
        { $lookup: { from: 'products', localField: 'p', foreignField: '_id', as: 'p' } },
      ],
    });
    const result = rewrite(command, new Map(), objectsOf('orders', 'customers', 'products'));
    const tenants = { tenant_id: { $in: [1, 2] } };
    expect(result?.command['pipeline']).toEqual([
      { $match: tenants },
      { $lookup: { from: 'customers', localField: 'customer', foreignField: '_id', as: 'c', pipeline: [{ $match: EU }] } },
      { $lookup: { from: 'customers', let: { id: '$customer' }, pipeline: [{ $match: EU }, { $match: { vip: true } }], as: 'v' } },
      { $unionWith: { coll: 'customers', pipeline: [{ $match: EU }] } },
      { $facet: { nested: [{ $unionWith: { coll: 'customers', pipeline: [{ $match: EU }, { $limit: 1 }] } }] } },
      { $graphLookup: { from: 'customers', startWith: '$a', connectFromField: 'a', connectToField: 'b', as: 'g', restrictSearchWithMatch: EU } },
      { $lookup: { from: 'products', localField: 'p', foreignField: '_id', as: 'p' } },
    ]);
    expect(new Set(result?.rules)).toEqual(new Set(['tenants', 'support-sees-own-region']));
  });

  it('refuses pipelines it cannot limit with certainty', () => {
    expect(() => rewrite({ aggregate: 'customers', pipeline: [{ $collStats: {} }] })).toThrow(RowFilterRefusal);
    expect(() => rewrite({ aggregate: 'customers', pipeline: [{ $changeStream: {} }] })).toThrow(RowFilterRefusal);
    expect(() => rewrite({ aggregate: 1, pipeline: [{ $changeStream: {} }] }, new Map(), [])).toThrow(RowFilterRefusal);
    expect(rewrite({ aggregate: 1, pipeline: [{ $documents: [{ a: 1 }] }] }, new Map(), [])).toBeUndefined();
    expect(() => rewrite({ aggregate: 'products', pipeline: [{ $out: 'customers' }] })).toThrow(RowFilterRefusal);
    expect(() => rewrite({ aggregate: 'products', pipeline: [{ $merge: { into: 'customers' } }] })).toThrow(RowFilterRefusal);
    expect(() => rewrite({ aggregate: 'products', pipeline: [{ $lookup: { from: { bad: 1 }, as: 'x', pipeline: [] } }] })).toThrow(RowFilterRefusal);
    expect(rewrite({ aggregate: 'customers', pipeline: [{ $geoNear: { near: [0, 0], distanceField: 'd' } }] })?.command['pipeline']).toEqual([
      { $geoNear: { near: [0, 0], distanceField: 'd', query: EU } },
    ]);
    expect(rewrite({ aggregate: 'products', pipeline: [{ $match: {} }] })).toBeUndefined();
  });

  it('refuses a collation and commands it has no rewrite for on a filtered collection', () => {
    expect(refusalOf(() => rewrite({ find: 'customers', collation: { locale: 'en', strength: 1 } })).message).toContain('collation');
    expect(() => rewrite({ delete: 'customers', deletes: [{ q: {}, limit: 0, collation: { locale: 'en' } }] })).toThrow(RowFilterRefusal);
    expect(() => rewrite({ mapReduce: 'customers', map: 'x', reduce: 'y' })).toThrow(RowFilterRefusal);
    expect(() => rewrite({ drop: 'customers' })).toThrow(RowFilterRefusal);
    expect(rewrite({ drop: 'products' })).toBeUndefined();
    expect(rewrite({ getMore: 1, collection: 'customers' }, new Map(), objectsOf('customers'))).toBeUndefined();
    expect(rewrite({ explain: { find: 'customers', filter: {} } }, new Map(), objectsOf('customers'))?.command).toEqual({ explain: { find: 'customers', filter: EU } });
  });
});
