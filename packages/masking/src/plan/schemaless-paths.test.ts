import type { Dialect, MaskObligation, ResultColumn } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { compileMaskPlan } from './compile-plan.js';

/** The mask a policy writes once for every dialect. */
const emailMask: MaskObligation = {
  columns: [
    { pattern: '*.*.users.email', strategy: { kind: 'redact' }, rule: 'emails' },
    { pattern: '*.*.users.address.city', strategy: { kind: 'redact' }, rule: 'cities' },
  ],
  detectors: [],
  customDetectors: [],
  failure: 'best-effort',
};

const plan = (dialect: Dialect, columns: ResultColumn[]) => compileMaskPlan({ dialect, columns, obligation: emailMask });

describe('column masks written with a schema cover MySQL and MongoDB paths (which have none)', () => {
  it('*.*.users.email masks a MySQL column (table as the MySQL adapter reports it: database.table)', () => {
    const mysql = plan('mysql', [
      { name: 'id', table: 'shop.users', column: 'id', typeClass: 'number' },
      { name: 'email', table: 'shop.users', column: 'email', typeClass: 'text' },
      // The adapter writes "?" when the server sent no database name.
      { name: 'contact', table: '?.users', column: 'email', typeClass: 'text' },
      { name: 'email', table: 'shop.orders', column: 'email', typeClass: 'text' },
    ]);
    expect(plan('mysql', []).active).toBe(false);
    expect(mysql.maskedColumns).toEqual([1, 2]);
    expect(mysql.maskTextValue(1, 'ana@example.com')).toBe('****');
    expect(mysql.maskTextValue(2, 'ana@example.com')).toBe('****');
    expect(mysql.maskTextValue(3, 'ana@example.com')).toBe('ana@example.com');
  });

  it('*.*.users.email masks a MySQL expression whose lineage names database.table.column', () => {
    const derived = compileMaskPlan({
      dialect: 'mysql',
      columns: [{ name: 'lower(email)', typeClass: 'text' }],
      lineage: [{ output: 'lower(email)', position: 0, sources: ['shop.users.email'], direct: false }],
      obligation: emailMask,
    });
    expect(derived.maskTextValue(0, 'ana@example.com')).toBe('****');
  });

  it('*.*.users.email masks a MongoDB field, and nested rules reach into embedded documents', () => {
    // One column per top-level field, table = the namespace, as the MongoDB adapter builds them.
    const mongo = plan('mongodb', [
      { name: '_id', table: 'app.users', column: '_id', typeClass: 'other' },
      { name: 'email', table: 'app.users', column: 'email', typeClass: 'text' },
      { name: 'address', table: 'app.users', column: 'address', typeClass: 'json' },
      { name: 'email', table: 'app.orders', column: 'email', typeClass: 'text' },
    ]);
    expect(mongo.maskTypedValue(1, 'ana@example.com')).toBe('****');
    expect(mongo.maskTypedValue(2, { city: 'Lisbon', zip: '1000' })).toEqual({ city: '****', zip: '1000' });
    expect(mongo.maskTypedValue(3, 'ana@example.com')).toBe('ana@example.com');
  });

  it('the dialect, not the dot count, decides: the same two-part table in PostgreSQL is not matched', () => {
    const postgres = plan('postgres', [{ name: 'email', table: 'app.users', column: 'email', typeClass: 'text' }]);
    expect(postgres.active).toBe(false);
    const withSchema = plan('postgres', [{ name: 'email', table: 'app.public.users', column: 'email', typeClass: 'text' }]);
    expect(withSchema.maskTextValue(0, 'ana@example.com')).toBe('****');
  });
});
