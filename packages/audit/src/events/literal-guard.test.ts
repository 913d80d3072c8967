import { describe, expect, it } from 'vitest';
import { guardProse, guardSqlText, guardToken } from './literal-guard.js';

describe('guardSqlText', () => {
  it('leaves properly redacted text, identifiers and placeholders alone', () => {
    for (const text of [
      'SELECT * FROM users WHERE id = ?',
      'UPDATE t1 SET c2 = $1 WHERE "Col 3" = :name AND x = @p1 AND y = ?2',
      'SELECT a FROM t /* ? */ -- ?',
      "SELECT '' FROM t",
      'SELECT `t2`.`c` FROM `t2`',
    ]) {
      expect(guardSqlText(text, 'postgres')).toEqual({ text, redactions: 0 });
    }
  });

  it('blanks every literal a classifier bug could leak', () => {
    const leaked = "UPDATE users SET password = 'hunter2', card = 4111111111111111, n = 3.14, h = 0xDEADBEEF, b = $x$dollar body$x$ /* secret note */ WHERE id = 42 -- trailing secret";
    const { text, redactions } = guardSqlText(leaked, 'postgres');
    for (const secret of ['hunter2', '4111111111111111', '3.14', 'DEADBEEF', 'dollar body', 'secret note', '42', 'trailing secret']) {
      expect(text).not.toContain(secret);
    }
    expect(redactions).toBe(8);
    expect(text).toBe('UPDATE users SET password = ?, card = ?, n = ?, h = ?, b = ? /* ? */ WHERE id = ? -- ?');
  });

  it("handles doubled quotes and backslashes inside strings, and MySQL's double-quoted strings", () => {
    expect(guardSqlText("SELECT 'it''s \\' here' AS x", 'postgres').text).toBe('SELECT ? AS x');
    expect(guardSqlText('SELECT "secret" FROM t', 'mysql').text).toBe('SELECT ? FROM t');
    expect(guardSqlText('SELECT "Column" FROM t', 'postgres').text).toBe('SELECT "Column" FROM t');
  });
});

describe('guardProse', () => {
  it('blanks quoted fragments, e-mail addresses and long digit runs, keeps short numbers', () => {
    const { text, redactions } = guardProse("denied by rule no-pii: value 'bob' for bob@example.com card 4111 1111 1111 1111, risk 7");
    expect(text).toBe('denied by rule no-pii: value ? for ? card ?, risk 7');
    expect(redactions).toBe(3);
  });
});

describe('guardToken', () => {
  it('keeps ids and codes, replaces anything with spaces or quotes', () => {
    expect(guardToken('42501').text).toBe('42501');
    expect(guardToken('apr-01J9:x/y@z').text).toBe('apr-01J9:x/y@z');
    expect(guardToken("x' OR '1'='1")).toEqual({ text: '?', redactions: 1 });
  });

  it('accepts exactly what its pattern accepts (ASCII word characters and .:@/+#$*?-[], up to 256)', () => {
    const pattern = /^[\w.:@/+#$*?\-[\]]{0,256}$/;
    for (let code = 0; code < 0x3000; code++) {
      const text = `a${String.fromCharCode(code)}b`;
      expect(guardToken(text).redactions, `U+${code.toString(16)}`).toBe(pattern.test(text) ? 0 : 1);
    }
    for (const text of ['', 'x'.repeat(256), 'x'.repeat(257), '😀', '550e8400-e29b-41d4-a716-446655440000']) {
      expect(guardToken(text).redactions, text.slice(0, 10)).toBe(pattern.test(text) ? 0 : 1);
    }
  });
});
