import { Code, Int32, Long } from 'bson';
import { describe, expect, it } from 'vitest';
import { classifyMongoCommand } from './classify-command.js';

const one = (command: object, sequences?: Map<string, object[]>) => classifyMongoCommand('app', command, sequences as never);

describe('classifyMongoCommand', () => {
  it('maps reads with collection and field paths', () => {
    const [find] = one({ find: 'users', filter: { email: 'a@b.c', $or: [{ age: { $gt: 3 } }] }, projection: { name: 1 }, $db: 'app' });
    expect(find).toMatchObject({ dialect: 'mongodb', category: 'read', operation: 'find', objects: [{ name: 'app.users', kind: 'collection', access: 'read' }] });
    expect(find!.objects[0]!.columns).toEqual(['email', 'age', 'name']);
    for (const name of ['count', 'distinct']) expect(one({ [name]: 'users', key: 'email', $db: 'app' })[0]!.category).toBe('read');
    expect(one({ getMore: Long.fromNumber(5), collection: 'users', $db: 'app' })[0]!.category).toBe('read');
  });

  it('never puts a literal value in fingerprint or redacted text', () => {
    const [action] = one({ find: 'users', filter: { email: 'secret@example.com', n: new Int32(42) }, lsid: { id: 'x' }, $db: 'app' });
    expect(action!.redactedText).toBe('{"find":"users","filter":{"email":"?","n":"?"},"$db":"app"}');
    expect(action!.fingerprint).not.toContain('secret');
    const [other] = one({ find: 'users', filter: { email: 'other@example.com', n: new Int32(7) }, $db: 'app' });
    expect(other!.fingerprint).toBe(action!.fingerprint);
    const [filterNamedFrom] = one({ find: 'users', filter: { from: 'alice@x.org', $or: [{ to: 'bob@y.org' }] }, $db: 'app' });
    expect(filterNamedFrom!.redactedText).not.toMatch(/alice|bob/);
  });

  it('treats $out/$merge as writes on the target and flags server-side scripts', () => {
    const [out] = one({ aggregate: 'users', pipeline: [{ $match: {} }, { $lookup: { from: 'orders', as: 'o', localField: 'a', foreignField: 'b' } }, { $out: 'copy' }], cursor: {}, $db: 'app' });
    expect(out!.category).toBe('write');
    expect(out!.objects).toEqual([
      expect.objectContaining({ name: 'app.users', access: 'read' }),
      { name: 'app.orders', kind: 'collection', access: 'read' },
      { name: 'app.copy', kind: 'collection', access: 'write' },
    ]);
    expect(one({ aggregate: 'users', pipeline: [{ $merge: { into: { db: 'other', coll: 't' } } }], $db: 'app' })[0]!.objects[1]).toMatchObject({ name: 'other.t', access: 'write' });
    expect(one({ find: 'users', filter: { $where: 'this.a == 1' } })[0]!.flags).toContain('server-side-script');
    expect(one({ aggregate: 'u', pipeline: [{ $group: { _id: 1, x: { $accumulator: {} } } }] })[0]!.flags).toContain('server-side-script');
    expect(one({ find: 'u', filter: { a: new Code('1') } })[0]!.flags).toContain('server-side-script');
  });

  it('flags unbounded multi writes, including document sequences', () => {
    expect(one({ delete: 'users', deletes: [{ q: {}, limit: 0 }] })[0]!.flags).toContain('unbounded');
    expect(one({ delete: 'users', deletes: [{ q: {}, limit: 1 }] })[0]!.flags).not.toContain('unbounded');
    expect(one({ update: 'users' }, new Map([['updates', [{ q: {}, u: { $set: { a: 1 } }, multi: true }]]]))[0]!.flags).toContain('unbounded');
    expect(one({ update: 'users', updates: [{ q: { a: 1 }, u: { $set: { b: 1 } }, multi: true }] })[0]).toMatchObject({ category: 'write', flags: [] });
    const [bulk] = one({ bulkWrite: 1, ops: [{ delete: 0, filter: {}, multi: true }], nsInfo: [{ ns: 'app.users' }], $db: 'admin' });
    expect(bulk).toMatchObject({ category: 'write', flags: ['unbounded'], objects: [{ name: 'app.users', access: 'write' }] });
  });

  it('maps ddl, dcl, admin, transaction, session and unknown', () => {
    const category = (command: object) => one(command).map((a) => a.category);
    expect(category({ drop: 'users' })).toEqual(['ddl']);
    expect(category({ renameCollection: 'app.a', to: 'app.b', $db: 'admin' })).toEqual(['ddl']);
    expect(category({ dropDatabase: 1 })).toEqual(['ddl']);
    expect(category({ createUser: 'eve', pwd: 'x', roles: [] })).toEqual(['dcl']);
    expect(category({ shutdown: 1 })).toEqual(['admin']);
    expect(category({ applyOps: [] })).toEqual(['admin']);
    expect(category({ commitTransaction: 1 })).toEqual(['transaction']);
    expect(category({ insert: 'users', startTransaction: true, autocommit: false })).toEqual(['transaction', 'write']);
    expect(category({ ping: 1 })).toEqual(['session']);
    expect(category({ frobnicate: 'users' })).toEqual(['unknown']);
    expect(category({ aggregate: 1, pipeline: [{ $currentOp: {} }] })).toEqual(['admin']);
  });

  it('fails closed on anything doubtful', () => {
    expect(one({ find: 42 })[0]).toMatchObject({ category: 'unknown', flags: ['parse-error'] });
    expect(one({ aggregate: 'u', pipeline: 'nope' })[0]).toMatchObject({ category: 'unknown', flags: ['parse-error'] });
    expect(one({ aggregate: 'u', pipeline: [{ $lookup: { from: 7 } }] })[0]).toMatchObject({ category: 'unknown' });
  });
});
