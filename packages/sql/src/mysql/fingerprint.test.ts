import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlClassifier } from '../classifier.js';
import { createSqlClassifier } from '../classifier.js';

let classifier: SqlClassifier;
beforeAll(async () => {
  classifier = await createSqlClassifier();
});

function fingerprint(sql: string): string {
  const [action] = classifier.classify(sql, { dialect: 'mysql', database: 'app' });
  return action!.fingerprint;
}

describe('mysql fingerprints', () => {
  it('ignore literals, whitespace, reserved-keyword case and comments', () => {
    const variants = [
      `SELECT name FROM users WHERE id = 1 AND email = 'a@b.c'`,
      `select name from users where id = 99 and email = "x"`,
      `SELECT  name\n FROM users /* c */ WHERE id = 0x1F -- x\n AND email = _utf8mb4'q'`,
      `SELECT name FROM users WHERE id = ? AND email = ?`,
    ];
    const first = fingerprint(variants[0]!);
    for (const v of variants) expect(fingerprint(v), v).toBe(first);
  });

  it('share one fingerprint for IN lists and VALUES rows of any length', () => {
    expect(fingerprint('SELECT a FROM t WHERE id IN (1, 2, 3)')).toBe(fingerprint('SELECT a FROM t WHERE id IN (7)'));
    expect(fingerprint(`INSERT INTO t (a, b) VALUES (1, 'x')`)).toBe(fingerprint(`INSERT INTO t (a, b) VALUES (2, 'y')`));
  });

  it('differ for different tables, and for table names differing only in case', () => {
    expect(fingerprint('SELECT a FROM t1')).not.toBe(fingerprint('SELECT a FROM t2'));
    expect(fingerprint('SELECT a FROM Users')).not.toBe(fingerprint('SELECT a FROM users'));
    expect(fingerprint('SELECT a FROM app.SELECT')).not.toBe(fingerprint('SELECT a FROM app.select'));
  });

  it('never contain literals, in the fingerprint or the redacted text', () => {
    const secrets = ['hunter2', 'Sup3rSecret', '4111111111111111', 'deadbeef'];
    const sql = `SELECT a FROM t WHERE p = 'hunter2' AND q = "Sup3rSecret" AND r = 4111111111111111 AND s = X'deadbeef' /* hunter2 */`;
    const [action] = classifier.classify(sql, { dialect: 'mysql', database: 'app' });
    for (const secret of secrets) {
      expect(action!.fingerprint).not.toContain(secret);
      expect(action!.redactedText).not.toContain(secret);
      expect(JSON.stringify(action!.objects)).not.toContain(secret);
    }
  });

  it('keep doubtful statements apart from valid ones (the shape cache cannot mix them)', () => {
    expect(fingerprint(`SELECT 'x`)).not.toBe(fingerprint(`SELECT 'x'`));
    expect(fingerprint(`SELECT 1 /* x`)).not.toBe(fingerprint(`SELECT 1`));
    expect(fingerprint('/*!50000 SELECT 1 -- */\n*/')).not.toBe(fingerprint('/*!50000 SELECT 1 */'));
  });
});
