import { describe, expect, it } from 'vitest';
import { splitOnSemicolons } from '../lexer/statement-ranges.js';
import { normalizeStatement } from '../normalize.js';
import { foldPostgresIdentifier, POSTGRES_KEYWORDS } from './keywords.js';
import { lexPostgres } from './lexer.js';

const rules = { keywords: POSTGRES_KEYWORDS, foldIdentifier: foldPostgresIdentifier };

function normalize(text: string) {
  const lexed = lexPostgres(text);
  const [range] = splitOnSemicolons(lexed.tokens, text);
  return normalizeStatement(text, lexed.tokens, range!, rules);
}

const fingerprint = (text: string) => normalize(text).fingerprint;

describe('postgres fingerprints', () => {
  it('are stable across literals, whitespace, keyword case and comments', () => {
    const variants = [
      "SELECT name FROM users WHERE id = 42 AND email = 'a@example.com'",
      "select name from users where id = 7 and email = 'other@example.com'",
      "SELECT  name\n  FROM users /* who */ WHERE id = $1 -- by id\n AND email = E'x\\'y'",
      'SeLeCt name FROM Users WHERE id = 1e3 AND email = $q$lit$q$',
      "SELECT name FROM USERS WHERE id = 0x1F AND email = U&'\\0041'",
    ];
    const first = fingerprint(variants[0]!);
    for (const variant of variants) expect(fingerprint(variant)).toBe(first);
    expect(first).toBe('SELECT name FROM users WHERE id = ? AND email = ?');
  });

  it('tells different tables and quoted identifiers apart', () => {
    expect(fingerprint('SELECT * FROM users')).not.toBe(fingerprint('SELECT * FROM orders'));
    expect(fingerprint('SELECT * FROM "Users"')).not.toBe(fingerprint('SELECT * FROM users'));
    expect(fingerprint('DELETE FROM t WHERE id = 1')).not.toBe(fingerprint('DELETE FROM t'));
  });

  it('shares one fingerprint for IN lists and VALUES rows of any length', () => {
    expect(fingerprint('SELECT * FROM t WHERE id IN (1, 2, 3)')).toBe(fingerprint('SELECT * FROM t WHERE id IN (4)'));
    expect(fingerprint('INSERT INTO t (a, b) VALUES (1, 2)')).toBe(fingerprint("INSERT INTO t (a, b) VALUES ('x', $1)"));
  });

  it('never carries a literal in the fingerprint or the redacted text', () => {
    const secrets = ['hunter2', 's3cr3t-token', '4111111111111111', 'dollar body', 'bits'];
    const text =
      "UPDATE users SET password = 'hunter2', token = E's3cr3t-token', card = 4111111111111111, " +
      "note = $x$dollar body$x$, flags = B'0101' /* bits */ WHERE id = 1";
    const { fingerprint: fp, redactedText } = normalize(text);
    for (const secret of secrets) {
      expect(fp).not.toContain(secret);
      expect(redactedText).not.toContain(secret);
    }
    expect(redactedText).toContain('UPDATE users SET password = ?');
  });
});
