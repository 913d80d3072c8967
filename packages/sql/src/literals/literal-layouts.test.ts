import type { AuditLiteralBinding } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { extractFromTokens, extractLiteralBindings } from './extract-literals.js';
import { LiteralLayouts } from './literal-layouts.js';

const context = { database: 'app' };
const full = (text: string): AuditLiteralBinding[] => extractFromTokens(text, 'postgres', context);

/** A deterministic stream of literals, some alike on purpose (equal values must not confuse a layout). */
function literals(seed: number) {
  let state = seed;
  const next = (): number => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648);
  return {
    number: (): string => (next() % 4 === 0 ? '1' : next() % 3 === 0 ? `${next() % 1000}.${next() % 100}` : String(next() % 100_000)),
    string: (): string => (next() % 5 === 0 ? "'1'" : next() % 4 === 0 ? "'it''s'" : `'v${next() % 1000}@x'`),
    either: (): string => (next() % 2 === 0 ? String(next() % 50) : `'${next() % 50}'`),
  };
}

type Literals = ReturnType<typeof literals>;

const shapes: ((l: Literals) => string)[] = [
  (l) => `SELECT abalance FROM pgbench_accounts WHERE aid = ${l.number()};`,
  (l) => `SELECT * FROM users u JOIN orders o ON o.uid = u.id WHERE u.id = ${l.number()} AND o.status IN (${l.string()}, ${l.string()}) AND ${l.string()} = u.email`,
  (l) => `UPDATE users SET email = ${l.string()} WHERE id = $1`,
  (l) => `INSERT INTO users (id, email) VALUES (${l.number()}, ${l.string()}), ($1, $2::text), (${l.number()}, ${l.string()})`,
  (l) => `DELETE FROM t WHERE a = -${l.number()} AND b = ${l.number()} AND c = ${l.number()}`,
  (l) => `SELECT * FROM t WHERE a = ${l.either()} AND b = -${l.either()}`,
  (l) => `SELECT ${l.number()} + a FROM t WHERE b = ${l.number()} AND c IN (${l.number()}, ${l.number()}) LIMIT ${l.number()}`,
  (l) => `UPDATE t SET a = ${l.number()}, b = ${l.string()} WHERE c = ${l.number()} AND d = ${l.string()}::text`,
  (l) => `SELECT * FROM a x, b y WHERE x.id = ${l.number()} AND y.k = ${l.string()} AND x.k = y.k`,
  (l) => `select name from "Users" where "Id" = ${l.number()} and kind = ${l.string()}`,
];

describe('LiteralLayouts (PostgreSQL literal bindings by shape)', () => {
  it('gives exactly what the full extractor gives, for many texts of each shape', () => {
    for (const [index, shape] of shapes.entries()) {
      const l = literals(index + 1);
      for (let i = 0; i < 300; i++) {
        const text = shape(l);
        expect(extractLiteralBindings(text, 'postgres', context), text).toStrictEqual(full(text));
      }
    }
  });

  it('works a shape out once, then reads only literal values; other contexts and texts outside the scan take the full path', () => {
    const layouts = new LiteralLayouts();
    let fullCalls = 0;
    const counted = (text: string): AuditLiteralBinding[] => {
      fullCalls++;
      return full(text);
    };
    expect(layouts.bindings('SELECT * FROM users WHERE id = 5', 'app', counted)).toStrictEqual([{ object: 'app.public.users', column: 'id', value: '5' }]);
    // The text itself and its probe.
    expect(fullCalls).toBe(2);
    expect(layouts.bindings('SELECT * FROM users WHERE id = 77', 'app', counted)).toStrictEqual([{ object: 'app.public.users', column: 'id', value: '77' }]);
    expect(fullCalls).toBe(2);
    // Another literal kind in the same place is another shape.
    expect(layouts.bindings("SELECT * FROM users WHERE id = '77'", 'app', counted)).toStrictEqual([{ object: 'app.public.users', column: 'id', value: '77' }]);
    expect(fullCalls).toBe(4);
    layouts.bindings('SELECT * FROM users WHERE id = 8', 'other', counted);
    expect(fullCalls).toBe(6);
    // Outside the scan's grammar (an E'' string): always the full path.
    layouts.bindings("SELECT * FROM users WHERE id = E'x'", 'app', counted);
    layouts.bindings("SELECT * FROM users WHERE id = E'y'", 'app', counted);
    expect(fullCalls).toBe(8);
  });

  it('keeps no layout that would not reproduce the full path', () => {
    const layouts = new LiteralLayouts();
    let fullCalls = 0;
    // A full path that binds a literal the probe does not show (never the real extractor; a stand-in for a disagreement).
    const odd = (text: string): AuditLiteralBinding[] => {
      fullCalls++;
      return [{ object: 't', column: 'a', value: text.length % 2 === 0 ? 'even' : 'odd' }];
    };
    layouts.bindings('SELECT * FROM t WHERE a = 1', 'app', odd);
    layouts.bindings('SELECT * FROM t WHERE a = 2', 'app', odd);
    expect(fullCalls).toBe(4);
  });
});
