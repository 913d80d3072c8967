import { Binary, Code, DBRef, Double, Int32, Long, ObjectId, serialize } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { decodeDocument } from '../protocol/bson-codec.js';
import { CommandClassifications, classificationKey } from './classification-cache.js';
import { classifyMongoCommand } from './classify-command.js';
import { commandShapeKey } from './shape-key.js';

const LSID = { id: new Binary(Buffer.alloc(16, 7), 4) };

function body(command: Document): Buffer {
  return Buffer.from(serialize(command));
}

function keyOf(command: Document): string | undefined {
  return commandShapeKey(body(command));
}

/** Commands as the gateway sees them: decoded from their bytes with the gateway's options. */
function decoded(command: Document): { bytes: Buffer; command: Document } {
  const bytes = body(command);
  return { bytes, command: decodeDocument(bytes) };
}

/** Variants of cacheable commands: literals, types, names and identifiers changed one at a time. */
const VARIANTS: Document[] = [
  { find: 'docs', filter: { _id: 1 }, limit: 1, singleBatch: true, lsid: LSID, $db: 'bench' },
  { find: 'docs', filter: { _id: 2 }, limit: 1, singleBatch: true, lsid: LSID, $db: 'bench' },
  { find: 'docs', filter: { _id: 2 }, limit: 5, singleBatch: true, lsid: LSID, $db: 'bench' },
  { find: 'docs', filter: { _id: 'two' }, limit: 1, singleBatch: true, lsid: LSID, $db: 'bench' },
  { find: 'docs', filter: { _id: new Double(2) }, limit: 1, lsid: LSID, $db: 'bench' },
  { find: 'docs', filter: { email: 'a@example.com' }, lsid: LSID, $db: 'bench' },
  { find: 'other', filter: { _id: 1 }, lsid: LSID, $db: 'bench' },
  { find: 'docs', filter: { _id: 1 }, lsid: LSID, $db: 'app' },
  { find: 'docs', filter: { _id: 1 }, projection: { ssn: 1 }, $db: 'bench' },
  { find: 'docs', filter: { _id: 1 }, sort: { email: -1 }, $db: 'bench' },
  { find: 'docs', filter: { $or: [{ a: 1 }, { b: 2 }] }, $db: 'bench' },
  { find: 'docs', filter: { $or: [{ a: 1 }, { c: 2 }] }, $db: 'bench' },
  { find: 'docs', filter: { tags: { $elemMatch: { k: 'x' } } }, $db: 'bench' },
  { find: 'docs', filter: { $where: 'this.a > 1' }, $db: 'bench' },
  { find: 'docs', filter: { $where: 'this.b > 1' }, $db: 'bench' },
  { find: 'docs', filter: { a: new Code('return 1') }, $db: 'bench' },
  { find: 'docs', filter: { a: { $lookup: { from: 'secret_a' } } }, $db: 'bench' },
  { find: 'docs', filter: { a: { $lookup: { from: 'secret_b' } } }, $db: 'bench' },
  { find: 'docs', filter: { a: { $out: 'target_a' } }, $db: 'bench' },
  { find: 'docs', filter: { a: { $out: 'target_b' } }, $db: 'bench' },
  { find: 'docs', filter: { from: 'value_a' }, $db: 'bench' },
  { find: 'docs', filter: { ref: new DBRef('users', new ObjectId('64b7f0c2a1b2c3d4e5f60718')) }, $db: 'bench' },
  { find: 'docs', filter: { ref: { $ref: 'users', $id: 1, extra: 'x' } }, $db: 'bench' },
  { find: 'docs', filter: {}, startTransaction: true, autocommit: false, txnNumber: Long.fromNumber(1), lsid: LSID, $db: 'bench' },
  { find: 'docs', filter: {}, startTransaction: false, $db: 'bench' },
  { find: 'docs', filter: {}, comment: 'trace-1', $db: 'bench' },
  { find: 'docs', filter: {}, comment: 'trace-2', $db: 'bench' },
  { find: 'docs', filter: {}, comment: { $where: 'x' }, $db: 'bench' },
  { find: 'docs', filter: {}, comment: new Code('x'), $db: 'bench' },
  { find: 7, filter: {}, $db: 'bench' },
  { find: 'do\u00e9cs', filter: {}, $db: 'bench' },
  { find: 'docs', filter: { constructor: { x: 'a' } }, $db: 'bench' },
  { insert: 'docs', documents: [{ _id: new ObjectId(), a: 1 }], ordered: true, lsid: LSID, $db: 'bench' },
  { insert: 'docs', documents: [{ _id: new ObjectId(), a: 2 }], ordered: true, lsid: LSID, $db: 'bench' },
  { insert: 'docs', documents: [{ _id: new ObjectId(), a: 2 }, { _id: new ObjectId(), a: 3 }], ordered: true, $db: 'bench' },
  { insert: 'docs', documents: [{ _id: new ObjectId(), $where: 'x' }], $db: 'bench' },
  { insert: 'docs', documents: [{ _id: new ObjectId(), fn: new Code('x') }], $db: 'bench' },
  { insert: 'docs', documents: [{ n: new Int32(1) }], $db: 'bench' },
  { insert: 'docs', documents: [{ n: new Long(1) }], $db: 'bench' },
  { count: 'docs', query: { a: 1 }, $db: 'bench' },
  { count: 'docs', query: { b: 1 }, $db: 'bench' },
  { distinct: 'docs', key: 'email', query: {}, $db: 'bench' },
  { distinct: 'docs', key: 'phone', query: {}, $db: 'bench' },
  { distinct: 'docs', key: 3, query: {}, $db: 'bench' },
];

describe('the key of a command shape', () => {
  it('is the same when only literal values differ', () => {
    expect(keyOf(VARIANTS[0]!)).toBe(keyOf(VARIANTS[1]!));
    expect(keyOf(VARIANTS[1]!)).toBe(keyOf(VARIANTS[2]!)); // limit is a literal
    expect(keyOf(VARIANTS[25]!)).toBe(keyOf(VARIANTS[26]!)); // so is a string comment
    expect(keyOf(VARIANTS[32]!)).toBe(keyOf(VARIANTS[33]!));
  });

  it('differs with the collection, the database, a field name, a value type or an identifier', () => {
    const keys = [VARIANTS[1], VARIANTS[3], VARIANTS[4], VARIANTS[5], VARIANTS[6], VARIANTS[7], VARIANTS[16], VARIANTS[17], VARIANTS[18], VARIANTS[19]].map((command) =>
      keyOf(command!),
    );
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('holds no literal value of a filter or an inserted document', () => {
    const key = keyOf({ find: 'docs', filter: { email: 'ana@example.com' }, $db: 'bench' })!;
    expect(key).not.toContain('ana@example.com');
    const insert = keyOf({ insert: 'docs', documents: [{ card: '4111111111111111' }], $db: 'bench' })!;
    expect(insert).not.toContain('4111111111111111');
  });

  it('gives up on commands too large or too deep to be worth a key', () => {
    expect(keyOf({ insert: 'docs', documents: Array.from({ length: 500 }, (_, i) => ({ [`field${i}`]: i })), $db: 'bench' })).toBeUndefined();
    let deep: Document = { leaf: 1 };
    for (let i = 0; i < 40; i++) deep = { nested: deep };
    expect(keyOf({ find: 'docs', filter: deep, $db: 'bench' })).toBeUndefined();
  });

  it('never maps two commands the classifier tells apart to one key', () => {
    const byKey = new Map<string, string>();
    for (const variant of VARIANTS) {
      const { command } = decoded(variant);
      const key = keyOf(variant);
      if (key === undefined) continue;
      const classified = JSON.stringify(classifyMongoCommand(String(command['$db']), command));
      const seen = byKey.get(key);
      if (seen === undefined) byKey.set(key, classified);
      else expect(classified).toBe(seen);
    }
  });
});

describe('the classification cache', () => {
  it('returns what the classifier returns, for every variant, cached or not', () => {
    const cache = new CommandClassifications();
    for (const round of [1, 2]) {
      for (const variant of VARIANTS) {
        const { bytes, command } = decoded(variant);
        const key = classificationKey(Object.keys(command)[0]!, bytes, []);
        const db = String(command['$db']);
        const cached = key === undefined ? classifyMongoCommand(db, command) : cache.classify(db, key, { document: command });
        expect({ round, actions: cached }).toEqual({ round, actions: classifyMongoCommand(String(command['$db']), command) });
      }
    }
  });

  it('hands back the same frozen actions for a shape seen before, so the decider can reuse its decision', () => {
    const cache = new CommandClassifications();
    const first = decoded(VARIANTS[0]!);
    const second = decoded(VARIANTS[1]!);
    const a = cache.classify('bench', classificationKey('find', first.bytes, [])!, { document: first.command });
    const b = cache.classify('bench', classificationKey('find', second.bytes, [])!, { document: second.command });
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a[0])).toBe(true);
    expect(Object.isFrozen(a[0]!.objects[0])).toBe(true);
  });

  it('leaves commands whose classification reads nested values to the classifier', () => {
    for (const command of [
      { update: 'docs', updates: [{ q: {}, u: { $set: { a: 1 } }, multi: true }], $db: 'bench' },
      { delete: 'docs', deletes: [{ q: {}, limit: 0 }], $db: 'bench' },
      { aggregate: 'docs', pipeline: [{ $out: 'x' }], cursor: {}, $db: 'bench' },
      { getMore: Long.fromNumber(5), collection: 'docs', $db: 'bench' },
    ]) {
      expect(classificationKey(Object.keys(command)[0]!, body(command), [])).toBeUndefined();
    }
    const insert = body({ insert: 'docs', ordered: true, $db: 'bench' });
    const documents = { identifier: 'documents', documents: [body({ a: 1 })] };
    expect(classificationKey('insert', insert, [documents])).toBeDefined();
    expect(classificationKey('insert', insert, [{ identifier: 'updates', documents: [] }])).toBeUndefined();
  });

  it('keeps a bounded number of shapes, the oldest going first', () => {
    const cache = new CommandClassifications({ maxEntries: 3 });
    for (const collection of ['a', 'b', 'c', 'd']) {
      const { bytes, command } = decoded({ find: collection, filter: {}, $db: 'bench' });
      cache.classify('bench', classificationKey('find', bytes, [])!, { document: command });
    }
    expect(cache.size).toBe(3);
  });
});
