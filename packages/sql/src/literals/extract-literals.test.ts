import { describe, expect, it } from 'vitest';
import { extractLiteralBindings } from './extract-literals.js';

describe('extractLiteralBindings', () => {
  it('WHERE col = literal, literal = col and col IN (…), resolved through aliases (postgres)', () => {
    expect(
      extractLiteralBindings(
        "SELECT * FROM users u JOIN orders o ON o.uid = u.id WHERE u.id = 42 AND o.status IN ('a', E'b\\'c') AND 'x@y' = u.email",
        'postgres',
        { database: 'app' },
      ),
    ).toEqual([
      { object: 'app.public.users', column: 'id', value: '42' },
      { object: 'app.public.orders', column: 'status', value: 'a' },
      { object: 'app.public.orders', column: 'status', value: "b'c" },
      { object: 'app.public.users', column: 'email', value: 'x@y' },
    ]);
  });

  it('UPDATE SET col = literal, and bind parameters by position with the value left for the adapter', () => {
    expect(extractLiteralBindings("UPDATE users SET email = 'n@x' WHERE id = $1", 'postgres', { database: 'app', schema: 'crm' })).toEqual([
      { object: 'app.crm.users', column: 'email', value: 'n@x' },
      { object: 'app.crm.users', column: 'id', position: 1, value: undefined },
    ]);
  });

  it('INSERT column lists with several VALUES rows, literals, casts and parameters', () => {
    expect(extractLiteralBindings("INSERT INTO users (id, email) VALUES (1, 'a@b'), ($1, $2::text), (now(), 'c')", 'postgres', { database: 'app' })).toEqual([
      { object: 'app.public.users', column: 'id', value: '1' },
      { object: 'app.public.users', column: 'email', value: 'a@b' },
      { object: 'app.public.users', column: 'id', position: 1, value: undefined },
      { object: 'app.public.users', column: 'email', position: 2, value: undefined },
      { object: 'app.public.users', column: 'email', value: 'c' },
    ]);
  });

  it('leaves out what it cannot attribute: arithmetic, an unqualified column among several tables', () => {
    expect(extractLiteralBindings('SELECT * FROM users WHERE id = 1 + 2', 'postgres')).toEqual([]);
    expect(extractLiteralBindings('SELECT * FROM a, b WHERE id = 1', 'postgres')).toEqual([]);
    expect(extractLiteralBindings("SELECT * FROM a WHERE x = 'unterminated", 'postgres')).toEqual([]);
  });

  it('mysql: backslash escapes, "…" strings and ? numbered across the text', () => {
    expect(extractLiteralBindings("SELECT * FROM users WHERE email = 'a\\'b' AND name = \"q\" AND id = ?", 'mysql', { database: 'shop' })).toEqual([
      { object: 'shop.users', column: 'email', value: "a'b" },
      { object: 'shop.users', column: 'name', value: 'q' },
      { object: 'shop.users', column: 'id', position: 1, value: undefined },
    ]);
  });

  it('mssql: N strings and @pN parameters', () => {
    expect(extractLiteralBindings("SELECT * FROM dbo.users WHERE id = @p1 AND name = N'x''y'", 'mssql', { database: 'app' })).toEqual([
      { object: 'app.dbo.users', column: 'id', position: 1, value: undefined },
      { object: 'app.dbo.users', column: 'name', value: "x'y" },
    ]);
  });
});

describe('extractLiteralBindings: attribution', () => {
  it('comma-separated FROM lists resolve qualified columns; a derived table makes unqualified ones ambiguous', () => {
    expect(extractLiteralBindings('SELECT * FROM a x, b y WHERE y.k = 1', 'postgres', { database: 'd' })).toEqual([{ object: 'd.public.b', column: 'k', value: '1' }]);
    expect(extractLiteralBindings('SELECT * FROM (SELECT * FROM a) s, b WHERE k = 1', 'postgres')).toEqual([]);
  });
});
