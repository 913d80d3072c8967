import { describe, expect, it } from 'vitest';
import { lexMssql } from './lexer.js';
import { splitMssql } from './split.js';

/** The statements the splitter finds, as text. */
function split(sql: string): string[] {
  return splitMssql(lexMssql(sql), sql).map((r) => sql.slice(r.start, r.end));
}

describe('splitMssql', () => {
  it('splits on semicolons and drops empty statements', () => {
    expect(split('SELECT 1; ; SELECT 2;')).toEqual(['SELECT 1', 'SELECT 2']);
    expect(split('  -- only a comment\n ;')).toEqual([]);
  });

  it('splits where a new statement starts without a semicolon', () => {
    expect(split('SELECT 1 SELECT 2')).toEqual(['SELECT 1', 'SELECT 2']);
    expect(split('SELECT * FROM t DROP TABLE t')).toEqual(['SELECT * FROM t', 'DROP TABLE t']);
    expect(split('DELETE FROM t WHERE a = 1 DROP TABLE t')).toEqual(['DELETE FROM t WHERE a = 1', 'DROP TABLE t']);
    expect(split('DECLARE @x int SET @x = 1 SELECT @x')).toEqual(['DECLARE @x int', 'SET @x = 1', 'SELECT @x']);
    expect(split('SET NOCOUNT ON DELETE FROM t')).toEqual(['SET NOCOUNT ON', 'DELETE FROM t']);
    expect(split('UPDATE t SET a = 1 WHERE b = 2 SET @y = 1')).toEqual(['UPDATE t SET a = 1 WHERE b = 2', 'SET @y = 1']);
    expect(split('OPEN c FETCH NEXT FROM c INTO @a')).toEqual(['OPEN c', 'FETCH NEXT FROM c INTO @a']);
    expect(split('ALTER TABLE t ADD c int DROP TABLE x')).toEqual(['ALTER TABLE t ADD c int', 'DROP TABLE x']);
  });

  it('keeps clauses that look like statements inside their statement', () => {
    const whole = [
      'INSERT INTO t (a) SELECT a FROM s',
      'INSERT INTO t EXEC p',
      'SELECT a FROM t UNION ALL SELECT a FROM s EXCEPT SELECT a FROM u',
      'WITH c AS (SELECT 1 AS a) SELECT a FROM c',
      'WITH c AS (SELECT 1 AS a), d AS (SELECT a FROM c) INSERT INTO t SELECT a FROM d',
      'MERGE t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a WHEN NOT MATCHED THEN INSERT (a) VALUES (s.a) WHEN NOT MATCHED BY SOURCE THEN DELETE',
      'UPDATE t SET a = CASE WHEN b = 1 THEN 2 ELSE 3 END WHERE id = 1',
      'ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) ON DELETE CASCADE ON UPDATE SET NULL',
      'ALTER TABLE t DROP COLUMN c',
      'ALTER DATABASE d SET SINGLE_USER WITH ROLLBACK IMMEDIATE',
      'GRANT SELECT, INSERT, UPDATE, DELETE, EXECUTE ON SCHEMA::dbo TO app WITH GRANT OPTION',
      'GRANT CREATE TABLE TO dev',
      'DECLARE c CURSOR FOR SELECT a FROM t FOR UPDATE OF a',
      'SELECT a FROM t ORDER BY a OFFSET 5 ROWS FETCH NEXT 5 ROWS ONLY',
      'DROP TABLE IF EXISTS t',
      "BULK INSERT t FROM 'f'",
      "EXECUTE AS USER = 'x' WITH NO REVERT",
      'SELECT a FROM t WHERE x IN (SELECT y FROM u) AND EXISTS (SELECT 1 FROM v)',
      'CREATE PROCEDURE p AS BEGIN SELECT 1; DELETE FROM t; END; SELECT 2',
    ];
    for (const sql of whole) expect(split(sql), sql).toEqual([sql]);
  });

  it('keeps IF/WHILE/BEGIN…END/TRY…CATCH as one statement with what they hold', () => {
    const whole = [
      'IF @x = 1 SELECT 1 ELSE DELETE FROM t',
      'IF @x = 1 SELECT 1; ELSE SELECT 2',
      'IF EXISTS (SELECT 1 FROM t) BEGIN UPDATE t SET a = 1 END ELSE BEGIN INSERT INTO t VALUES (1) END',
      'WHILE @i < 3 BEGIN SET @i = @i + 1 IF @i = 2 BREAK END',
      'BEGIN TRY SELECT 1/0 END TRY BEGIN CATCH SELECT ERROR_MESSAGE() END CATCH',
      'BEGIN SELECT CASE WHEN a = 1 THEN 2 END FROM t END',
    ];
    for (const sql of whole) expect(split(sql), sql).toEqual([sql]);
    expect(split('IF @x = 1 SELECT 1 SELECT 2')).toEqual(['IF @x = 1 SELECT 1', 'SELECT 2']);
    expect(split('BEGIN TRAN UPDATE t SET a = 1 COMMIT')).toEqual(['BEGIN TRAN', 'UPDATE t SET a = 1', 'COMMIT']);
  });

  it('ignores keywords inside strings, quoted identifiers and comments', () => {
    expect(split("SELECT 'x; DROP TABLE t' AS [a; DELETE] /* ; SELECT */ FROM t -- ; DROP\n")).toHaveLength(1);
  });

  it('never loses a token: ranges cover every non-comment token in order', () => {
    const sql = "IF @a = 1 BEGIN SELECT 1 END; SELECT 2 /* c */ DROP TABLE t GO EXEC ('x') END ELSE";
    const lexed = lexMssql(sql);
    const ranges = splitMssql(lexed, sql);
    const covered = new Set<number>();
    for (const range of ranges) for (let t = range.firstToken; t < range.endToken; t++) covered.add(t);
    lexed.tokens.forEach((token, t) => {
      const isSemicolon = sql.slice(token.start, token.end) === ';';
      if (token.kind !== 'comment' && !isSemicolon) expect(covered.has(t), sql.slice(token.start, token.end)).toBe(true);
    });
  });

  it('does not overflow on deep nesting: the deep part becomes one unknown statement', () => {
    const sql = 'BEGIN '.repeat(50_000) + 'SELECT 1' + ' END'.repeat(50_000);
    expect(split(sql)).toHaveLength(1);
    const ifs = 'IF 1 = 1 '.repeat(20_000) + 'SELECT 1';
    expect(split(ifs)).toHaveLength(1);
  });
});
