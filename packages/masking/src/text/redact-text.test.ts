import { describe, expect, it } from 'vitest';
import { redactKeyDetails, redactQuotedFragments } from './quoted.js';
import { redactText } from './redact-text.js';
import { fallbackLiteralRedactor } from './sql-literals.js';

describe('redactText', () => {
  it('removes the value a failed cast echoes (postgres, mysql, mssql)', () => {
    const pg = redactText('invalid input syntax for type integer: "alice@example.com"', { dialect: 'postgres' });
    expect(pg).not.toContain('alice');
    expect(pg).toBe('invalid input syntax for type integer: "?"');
    const my = redactText("Incorrect integer value: 'alice@example.com' for column 'age' at row 1", { dialect: 'mysql' });
    expect(my).not.toContain('alice');
    const ms = redactText("Conversion failed when converting the varchar value 'bob' to data type int.", { dialect: 'mssql' });
    expect(ms).not.toContain('bob');
  });

  it('redacts postgres Key details but keeps the column list', () => {
    const out = redactText('Key (email)=(alice@x.com) already exists.', { dialect: 'postgres' });
    expect(out).toBe('Key (email)=(?) already exists.');
    expect(redactKeyDetails('DETAIL:  Key (a, b)=(Smith (Jr), 7) is not present in table "t".')).toBe(
      'DETAIL:  Key (a, b)=(?) is not present in table "t".',
    );
  });

  it('replaces literals in statement text, dialect-aware', () => {
    expect(redactText("SELECT * FROM t WHERE name = 'Alice' AND age = 42", { dialect: 'postgres' })).not.toMatch(/Alice|42/);
    expect(redactText('SELECT * FROM t WHERE a = "x"', { dialect: 'mysql', quotedFragments: false })).not.toContain('"x"');
  });

  it('removes detected PII and secrets outside quotes', () => {
    const out = redactText(
      'login failed for alice@example.com from 10.1.2.3 using postgres://app:hunter2@db/x token AKIAIOSFODNN7EXAMPLE',
    );
    for (const secret of ['alice@example.com', '10.1.2.3', 'hunter2', 'AKIAIOSFODNN7EXAMPLE']) expect(out).not.toContain(secret);
  });

  it('does not run opt-in high_entropy unless asked', () => {
    const text = 'id Zx8Qp2Lm9Vt4Rk7Wn3Ys6Hd1Jf5Gb0Ca';
    expect(redactText(text, { quotedFragments: false })).toContain('Zx8Qp2');
    expect(redactText(text, { detectors: ['high_entropy'] })).not.toContain('Zx8Qp2');
  });

  it('takes an injected literal redactor', () => {
    expect(redactText('x = 1', { literalRedactor: (t) => t.replace('1', 'ONE') })).toBe('x = ONE');
  });

  it('leaves ordinary text without literals alone', () => {
    expect(redactText('relation does not exist', { dialect: 'postgres' })).toBe('relation does not exist');
    expect(redactText('')).toBe('');
  });
});

describe('quoted fragments', () => {
  it('replaces contents of closed quotes on the same line', () => {
    expect(redactQuotedFragments(`a "b" c 'd' e ""`)).toBe(`a "?" c '?' e ""`);
    expect(redactQuotedFragments(`open "never closed\nnext "x"`)).toBe(`open "never closed\nnext "?"`);
  });
});

describe('fallback literal redactor', () => {
  it('replaces strings, numbers and comment bodies', () => {
    expect(fallbackLiteralRedactor("a = 'it''s' AND b = -1.5e3 -- note\n/* c */ x1")).toBe('a = ? AND b = ? -- ?\n/* ? */ x1');
  });
});

describe('redactText on prose', () => {
  it('reads apostrophes inside words as prose, not as quotes', () => {
    expect(redactText("Table 'app.sbtest1' doesn't exist", { dialect: 'mysql' })).toBe("Table ? doesn't exist");
    // A quoted value containing one is still redacted whole.
    const out = redactText("Duplicate entry 'O'Brien' for key 'name'", { dialect: 'mysql' });
    expect(out).not.toContain('Brien');
    expect(out).toContain('for key');
  });
});
