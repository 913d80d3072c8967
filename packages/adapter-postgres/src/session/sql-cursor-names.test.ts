import type { Action } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { declaredCursor, fetchedCursor } from './sql-cursor-names.js';

function action(operation: string, fingerprint: string): Action {
  return { dialect: 'postgres', category: 'read', operation, objects: [], flags: [], fingerprint, redactedText: fingerprint };
}

describe('SQL cursor names as the server reads them', () => {
  it('reads the cursor of every FETCH form from the fingerprint', () => {
    expect(fetchedCursor(action('FETCH', 'FETCH c'))).toBe('c');
    expect(fetchedCursor(action('FETCH', 'FETCH ALL c'))).toBe('c');
    expect(fetchedCursor(action('FETCH', 'FETCH FORWARD ? FROM _psql_cursor'))).toBe('_psql_cursor');
    expect(fetchedCursor(action('FETCH', 'FETCH ? IN "My ""Cur"""'))).toBe('My "Cur"');
    expect(fetchedCursor(action('FETCH', 'FETCH ? IN "c";'))).toBe('c');
  });

  it('refuses names it cannot read exactly: Unicode escapes, a bare FETCH', () => {
    expect(fetchedCursor(action('FETCH', 'FETCH NEXT FROM U&"d\\0061ta"'))).toBeUndefined();
    expect(fetchedCursor(action('FETCH', 'FETCH'))).toBeUndefined();
    expect(fetchedCursor(action('FETCH', 'FETCH ? FROM "unterminated'))).toBeUndefined();
  });

  it('truncates long names as the server does (63 bytes), so two spellings are one cursor', () => {
    const long = 'a'.repeat(63);
    expect(fetchedCursor(action('FETCH', `FETCH ${long}xyz`))).toBe(long);
    expect(fetchedCursor(action('FETCH', `FETCH "${'é'.repeat(40)}"`))).toBe('é'.repeat(31));
  });

  it('reads the name a DECLARE creates', () => {
    expect(declaredCursor(action('DECLARE CURSOR', 'DECLARE cur CURSOR FOR SELECT ?'))).toBe('cur');
    expect(declaredCursor(action('DECLARE CURSOR', 'DECLARE "X y" BINARY CURSOR WITH HOLD FOR SELECT ?'))).toBe('X y');
    expect(declaredCursor(action('SELECT', 'SELECT ?'))).toBeUndefined();
  });
});
