import { describe, expect, it } from 'vitest';
import { predicateColumns, predicateSql } from './predicate-sql.js';
import { RewriteRefusal } from './types.js';

describe('predicateSql', () => {
  it('spells literals and identifiers by each dialect’s rules', () => {
    const p = { kind: 'eq', column: 'region', value: "e'u" } as const;
    expect(predicateSql('postgres', p, 'q')).toBe(`(q."region" = 'e''u')`);
    expect(predicateSql('mysql', p, 'q')).toBe("(q.`region` = _utf8mb4 X'652775')");
    expect(predicateSql('mssql', p, 'q')).toBe(`(q.[region] = N'e''u')`);
  });

  it('booleans, negative numbers and null', () => {
    expect(predicateSql('postgres', { kind: 'eq', column: 'a', value: true }, 'q')).toBe('(q."a" = TRUE)');
    expect(predicateSql('mssql', { kind: 'eq', column: 'a', value: false }, 'q')).toBe('(q.[a] = 0)');
    expect(predicateSql('mysql', { kind: 'eq', column: 'a', value: -2 }, 'q')).toBe('(q.`a` = (-2))');
    expect(predicateSql('postgres', { kind: 'eq', column: 'a', value: null }, 'q')).toBe('(q."a" IS NULL)');
  });

  it('`in`: an empty list matches nothing; null in the list is IS NULL', () => {
    expect(predicateSql('postgres', { kind: 'in', column: 'a', values: [] }, 'q')).toBe('(1 = 0)');
    expect(predicateSql('postgres', { kind: 'in', column: 'a', values: [1, null] }, 'q')).toBe('(q."a" IN (1) OR q."a" IS NULL)');
    expect(predicateSql('postgres', { kind: 'in', column: 'a', values: [null] }, 'q')).toBe('(q."a" IS NULL)');
  });

  it('and/or/not nest with parentheses; empty and is true, empty or is false', () => {
    expect(
      predicateSql(
        'postgres',
        { kind: 'or', predicates: [{ kind: 'not', predicate: { kind: 'eq', column: 'a', value: 1 } }, { kind: 'and', predicates: [] }] },
        'q',
      ),
    ).toBe('((NOT (q."a" = 1)) OR (1 = 1))');
    expect(predicateSql('mysql', { kind: 'or', predicates: [] }, 'q')).toBe('(1 = 0)');
  });

  it('refuses values that are not finite numbers', () => {
    expect(() => predicateSql('postgres', { kind: 'eq', column: 'a', value: Number.POSITIVE_INFINITY }, 'q')).toThrow(RewriteRefusal);
  });

  it('predicateColumns lists every column a predicate reads', () => {
    expect([...predicateColumns({ kind: 'and', predicates: [{ kind: 'eq', column: 'a', value: 1 }, { kind: 'not', predicate: { kind: 'in', column: 'b', values: [] } }] })]).toEqual(['a', 'b']);
  });
});
