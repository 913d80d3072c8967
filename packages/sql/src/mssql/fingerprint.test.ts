import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlClassifier } from '../classifier.js';
import { createSqlClassifier } from '../classifier.js';

const context = { dialect: 'mssql', database: 'app' } as const;

let classifier: SqlClassifier;
beforeAll(async () => {
  classifier = await createSqlClassifier();
});

function fingerprint(sql: string): string {
  const actions = classifier.classify(sql, context);
  expect(actions).toHaveLength(1);
  return actions[0]!.fingerprint;
}

describe('mssql fingerprints', () => {
  it('ignores literals, whitespace, keyword case and comments', () => {
    const variants = [
      "SELECT name FROM dbo.users WHERE id = 5 AND email = N'a@b.c'",
      "select name from dbo.users where id = 7 and email = 'x'",
      "SELECT  name\n\tFROM dbo.users /* why */ WHERE id = 0x1F -- note\n AND email = N'it''s'",
      'SELECT name FROM dbo.users WHERE id = $12.50 AND email = 1e5',
    ];
    const prints = variants.map(fingerprint);
    for (const print of prints) expect(print).toBe(prints[0]);
    expect(prints[0]).toBe('SELECT name FROM dbo.users WHERE id = ? AND email = ?');
  });

  it('keeps identifiers as written (T-SQL does not fold case)', () => {
    expect(fingerprint('SELECT Name FROM Users')).toBe('SELECT Name FROM Users');
  });

  it('tells different tables and columns apart', () => {
    expect(fingerprint('SELECT a FROM t1 WHERE id = 1')).not.toBe(fingerprint('SELECT a FROM t2 WHERE id = 1'));
    expect(fingerprint('SELECT a FROM t WHERE id = 1')).not.toBe(fingerprint('SELECT b FROM t WHERE id = 1'));
    expect(fingerprint('SELECT a FROM [t] WHERE id = 1')).not.toBe(fingerprint('SELECT a FROM [u] WHERE id = 1'));
  });

  it('shares one fingerprint across IN-list and VALUES lengths', () => {
    expect(fingerprint('SELECT a FROM t WHERE id IN (1, 2, 3)')).toBe(fingerprint('SELECT a FROM t WHERE id IN (4)'));
    expect(fingerprint("INSERT INTO t (a, b) VALUES (1, 'x')")).toBe(fingerprint('INSERT INTO t (a, b) VALUES (2)'));
  });

  it('never carries a literal into the fingerprint or the redacted text', () => {
    const secrets = ['hunter2', 'SSN-123-45-6789', 'Ünïcødé', "O'Brien"];
    for (const secret of secrets) {
      const quoted = secret.replaceAll("'", "''");
      for (const sql of [
        `SELECT a FROM t WHERE b = '${quoted}'`,
        `SELECT a FROM t WHERE b = N'${quoted}'`,
        `EXEC sp_executesql N'SELECT ''${quoted}'''`,
        `UPDATE t SET pw = '${quoted}' WHERE id = 1`,
        `INSERT INTO t VALUES ('${quoted}') /* ${quoted.replaceAll('*/', '')} */`,
      ]) {
        for (const action of classifier.classify(sql, context)) {
          expect(action.fingerprint, sql).not.toContain(secret);
          expect(action.redactedText, sql).not.toContain(secret);
          expect(JSON.stringify(action.objects), sql).not.toContain(secret);
          expect(JSON.stringify(action.lineage ?? []), sql).not.toContain(secret);
        }
      }
    }
  });

  it('keeps numbers inside identifiers and variables', () => {
    expect(fingerprint('SELECT t1.c2 FROM t1 WHERE x = @p1')).toBe('SELECT t1.c2 FROM t1 WHERE x = @p1');
  });
});
