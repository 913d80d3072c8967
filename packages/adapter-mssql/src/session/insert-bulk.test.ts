import { describe, expect, it } from 'vitest';
import { insertBulkAction, parseInsertBulk } from './insert-bulk.js';

describe('parseInsertBulk', () => {
  it('reads what tedious sends, with and without options', () => {
    expect(parseInsertBulk('insert bulk customers([id] int, [name] nvarchar(100))')).toEqual(['customers']);
    expect(parseInsertBulk('insert bulk [dbo].[my table]([a] decimal(10, 2)) WITH (CHECK_CONSTRAINTS, ORDER ([a] ASC))')).toEqual(['dbo', 'my table']);
    expect(parseInsertBulk('INSERT BULK sales.dbo."odd""name" ([x] int);')).toEqual(['sales', 'dbo', 'odd"name']);
    expect(parseInsertBulk('insert bulk #tmp ([x] int)')).toEqual(['#tmp']);
  });

  it('refuses anything that could carry another statement', () => {
    expect(parseInsertBulk('insert bulk t ([a] int) DROP TABLE x')).toBeUndefined();
    expect(parseInsertBulk('insert bulk t ([a] int); DROP TABLE x')).toBeUndefined();
    expect(parseInsertBulk("insert bulk t ([a] int) WITH (x = 'y')")).toBeUndefined();
    expect(parseInsertBulk('insert bulk t ([a] int -- comment\n)')).toBeUndefined();
    expect(parseInsertBulk('insert bulk t ([a] int /* c */)')).toBeUndefined();
    expect(parseInsertBulk('insert bulk t ([a] int')).toBeUndefined();
    expect(parseInsertBulk('insert bulk a.b.c.d ([a] int)')).toBeUndefined();
    expect(parseInsertBulk('insert into t values (1)')).toBeUndefined();
  });
});

describe('insertBulkAction', () => {
  it('is a write on the fully qualified table', () => {
    const action = insertBulkAction(['customers'], 'sales');
    expect(action).toMatchObject({ category: 'write', operation: 'INSERT BULK', objects: [{ name: 'sales.dbo.customers', kind: 'table', access: 'write' }] });
    expect(insertBulkAction(['other', 'x', 't'], 'sales').objects[0]!.name).toBe('other.x.t');
  });
});
