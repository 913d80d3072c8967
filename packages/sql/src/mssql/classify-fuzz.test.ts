import { describe, expect, it } from 'vitest';
import { createSqlClassifier } from '../classifier.js';
import { lexMssql } from './lexer.js';

/** Words that, written as keywords, always mean something other than a plain read may run. */
const DANGEROUS = new Set(['DROP', 'DELETE', 'INSERT', 'UPDATE', 'EXEC', 'EXECUTE', 'TRUNCATE', 'ALTER', 'CREATE', 'GRANT', 'MERGE', 'SHUTDOWN', 'KILL']);

const VOCABULARY = [
  'SELECT', 'a', 'b', 't', 'dbo.t', '[x y]', '"q"', 'FROM', 'WHERE', '=', '1', "'s'", "N'n'", ',', '(', ')', ';',
  'AND', 'OR', 'IN', 'EXISTS', 'UNION', 'ALL', 'AS', 'SET', '@v', 'DECLARE', 'int', 'IF', 'ELSE', 'BEGIN', 'END',
  'WHILE', 'CASE', 'WHEN', 'THEN', 'TRAN', 'COMMIT', 'WITH', 'INTO', 'VALUES', 'TOP', '*', '.', '--c\n', '/*c*/',
  'DROP', 'TABLE', 'DELETE', 'INSERT', 'UPDATE', 'EXEC', 'TRUNCATE', 'ALTER', 'CREATE', 'GRANT', 'ON', 'TO', 'MERGE',
  'USING', 'OUTPUT', 'GO', 'PROCEDURE', 'xp_cmdshell', 'OPENROWSET', 'BULK', 'KILL', 'SHUTDOWN', 'NOCOUNT',
];

describe('mssql classifier fuzz', () => {
  it('never throws, and text holding a write/DDL keyword is never only reads', async () => {
    const classifier = await createSqlClassifier();
    let seed = Number(process.env.MSSQL_FUZZ_SEED ?? 7);
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let i = 0; i < 3000; i++) {
      const words: string[] = [];
      const length = 1 + Math.floor(random() * 14);
      for (let j = 0; j < length; j++) words.push(VOCABULARY[Math.floor(random() * VOCABULARY.length)]!);
      const sql = words.join(' ');
      const actions = classifier.classify(sql, { dialect: 'mssql', database: 'app' });
      for (const action of actions) {
        if (action.flags.includes('parse-error')) expect(action.category, sql).not.toBe('read');
      }
      const lexed = lexMssql(sql);
      const dangerous = lexed.tokens.some((t) => t.kind === 'word' && DANGEROUS.has(t.value!.toUpperCase()));
      if (dangerous) {
        expect(
          actions.some((a) => a.category !== 'read' && a.category !== 'session' && a.category !== 'transaction'),
          sql,
        ).toBe(true);
      }
    }
  });

  it('a read followed by a write, DDL or admin statement without `;` never passes as reads only', async () => {
    const classifier = await createSqlClassifier();
    const reads = [
      'SELECT 1',
      'SELECT *',
      'SELECT * FROM t',
      'SELECT a FROM t WHERE b = 1',
      "SELECT a FROM t WHERE b = 'x'",
      'SELECT a FROM t WHERE b IN (1, 2)',
      'SELECT a FROM t ORDER BY a DESC',
      'SELECT a FROM t t1 JOIN s ON s.id = t1.id',
      'SELECT TOP 1 a FROM t',
      'SELECT a FROM t UNION SELECT b FROM s',
      'WITH c AS (SELECT 1 AS a) SELECT a FROM c',
      'SELECT CASE WHEN a = 1 THEN 2 ELSE 3 END FROM t',
      'SELECT a FROM t WITH (NOLOCK)',
      'SET NOCOUNT ON',
      'DECLARE @x int',
      'SET @x = 1',
      'SELECT a FROM t WHERE x = @p1',
      'SELECT COUNT(*) FROM t GROUP BY a HAVING COUNT(*) > 1',
      'SELECT a FROM t OFFSET 1 ROWS FETCH NEXT 1 ROWS ONLY',
      'IF @x = 1 SELECT @x = a FROM t',
      'BEGIN TRAN',
      'USE app',
    ];
    const writes = [
      'DROP TABLE t',
      'DELETE FROM t',
      'DELETE t',
      'INSERT INTO t VALUES (1)',
      'INSERT t SELECT 1',
      'UPDATE t SET a = 1',
      'EXEC p',
      "EXEC ('x')",
      'EXECUTE sp_executesql @s',
      'TRUNCATE TABLE t',
      'ALTER TABLE t ADD c int',
      'CREATE TABLE x (a int)',
      'GRANT SELECT ON t TO u',
      'MERGE t USING s ON 1 = 1 WHEN MATCHED THEN DELETE;',
      'SHUTDOWN',
      'KILL 1',
      'DBCC CHECKDB',
      "BULK INSERT t FROM 'f'",
      'SELECT * INTO x FROM t',
      "EXECUTE AS LOGIN = 'sa'",
      'EXEC sp_configure',
      'WITH c AS (SELECT 1 AS a) DELETE FROM t',
    ];
    const glue = [' ', '\n', '/**/', ' -- c\n', '\t/* /* n */ */ '];
    for (const read of reads) {
      for (const write of writes) {
        for (const g of glue) {
          const sql = `${read}${g}${write}`;
          const actions = classifier.classify(sql, { dialect: 'mssql', database: 'app' });
          const changes = actions.filter((a) => !['read', 'session', 'transaction'].includes(a.category));
          const switches = actions.filter((a) => a.flags.includes('privilege-switch'));
          expect(changes.length + switches.length, sql).toBeGreaterThan(0);
        }
      }
    }
  });
});
