import { Long } from 'bson';
import { describe, expect, it } from 'vitest';
import { commandNamespace, commandScope, cursorIdOf, takesComment } from './command-scope.js';
import type { CommandScope } from './command-scope.js';
import { CursorRegistry } from './cursor-registry.js';

function registryWithAnasCursor(): CursorRegistry {
  const cursors = new CursorRegistry();
  cursors.register(42n, {
    owner: 'ana',
    namespace: 'app.notes',
    objects: [{ name: 'app.notes', kind: 'collection', access: 'read', columns: ['email'] }],
    changeStream: true,
  });
  return cursors;
}

describe('what a command is about before it is decided', () => {
  it('lets a getMore read what the command that opened its cursor read', () => {
    const scope = commandScope('app', 'getMore', { getMore: Long.fromNumber(42), collection: 'notes', $db: 'app' }, [], 'ana', registryWithAnasCursor()) as CommandScope;
    expect(scope.getMoreId).toBe(42n);
    expect(scope.changeStream).toBe(true);
    const getMore = scope.actions.find((action) => action.operation === 'getMore');
    expect(getMore?.objects).toEqual([{ name: 'app.notes', kind: 'collection', access: 'read', columns: ['email'] }]);
  });

  it("refuses a getMore on someone else's cursor, or on another collection than the cursor's", () => {
    const cursors = registryWithAnasCursor();
    expect(commandScope('app', 'getMore', { getMore: Long.fromNumber(42), collection: 'notes' }, [], 'bob', cursors)).toEqual({ foreignCursor: 'getMore' });
    expect(commandScope('app', 'getMore', { getMore: Long.fromNumber(42), collection: 'users' }, [], 'ana', cursors)).toEqual({ foreignCursor: 'getMore' });
    expect(commandScope('app', 'getMore', { getMore: Long.fromNumber(7), collection: 'notes' }, [], 'ana', cursors)).toEqual({ foreignCursor: 'getMore' });
  });

  it("lets killCursors through only when every cursor it names is the caller's", () => {
    const cursors = registryWithAnasCursor();
    const own = commandScope('app', 'killCursors', { killCursors: 'notes', cursors: [Long.fromNumber(42)] }, [], 'ana', cursors) as CommandScope;
    expect(own.killIds).toEqual([42n]);
    expect(commandScope('app', 'killCursors', { killCursors: 'notes', cursors: [Long.fromNumber(42), Long.fromNumber(7)] }, [], 'ana', cursors)).toEqual({
      foreignCursor: 'killCursors',
    });
    expect(commandScope('app', 'killCursors', { killCursors: 'notes', cursors: 'all' }, [], 'ana', cursors)).toEqual({ foreignCursor: 'killCursors' });
  });

  it('marks an aggregate that opens a change stream', () => {
    const cursors = new CursorRegistry();
    const watch = commandScope('app', 'aggregate', { aggregate: 'notes', pipeline: [{ $changeStream: {} }], cursor: {} }, [], 'ana', cursors) as CommandScope;
    const plain = commandScope('app', 'aggregate', { aggregate: 'notes', pipeline: [{ $match: {} }], cursor: {} }, [], 'ana', cursors) as CommandScope;
    expect(watch.changeStream).toBe(true);
    expect(plain.changeStream).toBe(false);
  });

  it('names the namespace a reply is about', () => {
    expect(commandNamespace('app', 'find', { find: 'notes' })).toBe('app.notes');
    expect(commandNamespace('app', 'getMore', { getMore: Long.fromNumber(1), collection: 'notes' })).toBe('app.notes');
    expect(commandNamespace('app', 'aggregate', { aggregate: 1 })).toBe('app.$cmd');
  });

  it('adds a comment only where the server accepts one', () => {
    expect(takesComment(8, 'insert')).toBe(false);
    expect(takesComment(8, 'find')).toBe(true);
    expect(takesComment(9, 'insert')).toBe(true);
  });

  it('reads cursor ids in the forms clients send them', () => {
    expect(cursorIdOf(Long.fromString('9007199254740993'))).toBe(9007199254740993n);
    expect(cursorIdOf(12)).toBe(12n);
    expect(cursorIdOf(1.5)).toBeUndefined();
    expect(cursorIdOf('12')).toBeUndefined();
  });
});
