import { describe, expect, it } from 'vitest';
import { lexMysql } from '../mysql/lexer.js';
import type { ShapeRules, ShapeTokens } from './simple-shape.js';
import { recognizeSimpleShape } from './simple-shape.js';

const RULES: ShapeRules = {
  isReservedWord: (upper) => ['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'IN', 'IS', 'NOT', 'NULL', 'ORDER', 'BY', 'LIMIT', 'AS'].includes(upper),
  rowLimit: 'limit',
  maxNameParts: 2,
  variablesAreValues: false,
};

/** Tokens of `sql` as the recognizer sees them (the MySQL lexer, comments left out). */
function tokensOf(sql: string): ShapeTokens {
  const tokens = lexMysql(sql).tokens.filter((t) => t.kind !== 'comment');
  return {
    length: tokens.length,
    kind: (i) => tokens[i]?.kind,
    word: (i) => (tokens[i]?.kind === 'word' ? sql.slice(tokens[i]!.start, tokens[i]!.end).toUpperCase() : ''),
    name: (i) => (tokens[i]?.kind === 'word' || tokens[i]?.kind === 'quoted-ident' ? tokens[i]!.value : undefined),
    symbol: (i) => (tokens[i]?.kind === 'punct' || tokens[i]?.kind === 'operator' ? sql.slice(tokens[i]!.start, tokens[i]!.end) : ''),
  };
}

const shapeOf = (sql: string) => recognizeSimpleShape(tokensOf(sql), RULES);

describe('recognizeSimpleShape', () => {
  it('reads a select list against the table named after it', () => {
    expect(shapeOf('SELECT u.id, email AS e, u.* FROM db.users u WHERE u.id = 1 OR name IS NOT NULL ORDER BY e DESC LIMIT 5, 10')).toEqual({
      kind: 'select',
      table: ['db', 'users'],
      items: [
        { column: 'id', output: 'id' },
        { column: 'email', output: 'e' },
        { column: '*', output: '*' },
      ],
      where: ['id', 'name'],
      orderBy: [{ column: 'e', qualified: false }],
    });
  });

  it('reads INSERT columns, UPDATE reads and a DELETE filter', () => {
    expect(shapeOf("INSERT INTO t (a, b) VALUES (1, 'x'), (?, NULL)")).toEqual({ kind: 'insert', table: ['t'], columns: ['a', 'b'] });
    expect(shapeOf('UPDATE t SET a = a - 1, b = ?, c = d WHERE t.e BETWEEN 1 AND 2')).toEqual({
      kind: 'update',
      table: ['t'],
      assignments: [
        { column: 'a', reads: ['a'] },
        { column: 'b', reads: [] },
        { column: 'c', reads: ['d'] },
      ],
      where: ['e'],
    });
    expect(shapeOf("DELETE FROM t WHERE a NOT IN (1, -2) AND b LIKE 'x%'")).toEqual({ kind: 'delete', table: ['t'], where: ['a', 'b'] });
    expect(shapeOf('DELETE FROM t')).toEqual({ kind: 'delete', table: ['t'], where: null });
  });

  it.each([
    ['a qualifier naming no table', 'SELECT x.id FROM users u'],
    ['a function call', 'SELECT COUNT(*) FROM t'],
    ['a reserved word as a name', 'SELECT id FROM t WHERE select = 1'],
    ['parentheses in WHERE', 'SELECT id FROM t WHERE (id = 1)'],
    ['a column on the right', 'SELECT id FROM t WHERE id = user_id'],
    ['tokens after the grammar', 'SELECT id FROM t LIMIT 1 FOR UPDATE'],
    ['a join', 'SELECT id FROM t JOIN u ON u.id = t.id'],
    ['a variable as a value (MySQL rules)', 'SELECT id FROM t WHERE id = @v'],
    ['a name with characters outside [A-Za-z0-9_]', 'SELECT `a b` FROM t'],
    ['no FROM', 'SELECT 1'],
    ['INSERT without a column list', 'INSERT INTO t VALUES (1)'],
  ])('returns null for %s', (_name, sql) => {
    expect(shapeOf(sql)).toBeNull();
  });
});
