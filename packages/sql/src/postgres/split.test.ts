import { describe, expect, it } from 'vitest';
import { lexPostgres } from './lexer.js';
import { splitPostgres } from './split.js';

function statements(text: string): string[] {
  return splitPostgres(lexPostgres(text).tokens, text).map((range) => text.slice(range.start, range.end));
}

describe('splitPostgres', () => {
  it('splits on top-level semicolons', () => {
    expect(statements('SELECT 1; BEGIN; END; ;SELECT 2')).toEqual(['SELECT 1', 'BEGIN', 'END', 'SELECT 2']);
  });

  it('keeps the semicolons of a BEGIN ATOMIC body, CASE … END included, in the one statement', () => {
    const create = 'CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END';
    expect(statements(`${create}; DELETE FROM t`)).toEqual([create, 'DELETE FROM t']);
  });

  it('does not count BEGIN inside a string body or outside CREATE FUNCTION/PROCEDURE', () => {
    const create = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; END $$";
    expect(statements(`${create}; SELECT 1`)).toEqual([create, 'SELECT 1']);
    expect(statements('CREATE TABLE begin (x int); SELECT 1')).toEqual(['CREATE TABLE begin (x int)', 'SELECT 1']);
  });
});
