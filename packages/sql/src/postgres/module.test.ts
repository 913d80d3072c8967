import { beforeAll, describe, expect, it } from 'vitest';
import type { DialectModule } from '../dialect-module.js';
import { rangeOf } from '../lexer/statement-ranges.js';
import type { LexResult } from '../lexer/token.js';
import { classifyPostgres, createPostgresModule } from './module.js';
import { parseRanges } from './parse.js';

const context = { dialect: 'postgres', database: 'app' } as const;

describe('postgres module: parser and lexer must agree', () => {
  let module: DialectModule;
  beforeAll(async () => {
    module = await createPostgresModule();
  });

  function classify(text: string) {
    const lexed = module.lex(text);
    return module.classify(text, lexed, module.split(lexed, text), context);
  }

  it('classifies each lexer range, mapping UTF-8 parser offsets to UTF-16 ranges', () => {
    const result = classify("SELECT 'é€😀' AS x; DELETE FROM t WHERE id = 1; SELECT '😀'");
    expect(result.map((r) => r.operation)).toEqual(['SELECT', 'DELETE', 'SELECT']);
  });

  it('is unknown when a range crosses a statement boundary the parser saw', () => {
    const text = 'SELECT 1; SELECT 2';
    const lexed = module.lex(text);
    // Tokens: SELECT 1 ; SELECT 2 → pretend the lexer split after the second SELECT.
    const ranges = [rangeOf(lexed.tokens, 0, 4), rangeOf(lexed.tokens, 4, 5)];
    expect(module.classify(text, lexed, ranges, context).map((r) => r.flags)).toEqual([['parse-error'], ['parse-error']]);
  });

  it('is unknown when the parser finds a different number of statements', () => {
    const text = 'SELECT 1; DROP TABLE t';
    const lexed = module.lex(text);
    const ranges = [rangeOf(lexed.tokens, 0, lexed.tokens.length)];
    expect(module.classify(text, lexed, ranges, context)).toEqual([
      { category: 'unknown', operation: 'UNKNOWN', objects: [], flags: ['parse-error'] },
    ]);
  });

  it('is unknown when the tree does not match the first word the lexer saw', () => {
    const text = 'SELECT 1';
    const lexed: LexResult = {
      tokens: [
        { kind: 'word', start: 0, end: 6, value: 'DROP' },
        { kind: 'number', start: 7, end: 8 },
      ],
      problems: [],
    };
    const result = classifyPostgres(text, lexed, [rangeOf(lexed.tokens, 0, 2)], context);
    expect(result[0]?.category).toBe('unknown');
    expect(result[0]?.flags).toEqual(['parse-error']);
  });

  it('never reads text with a NUL or a lone surrogate (the parser would see other text)', () => {
    expect(parseRanges('SELECT 1\0; DROP TABLE t', [{ firstToken: 0, endToken: 2, start: 0, end: 8 }])).toBeUndefined();
    expect(parseRanges("SELECT '\uD800'", [{ firstToken: 0, endToken: 2, start: 0, end: 11 }])).toBeUndefined();
  });

  it('returns one classification per range and none for empty input', () => {
    expect(classify('')).toEqual([]);
    expect(classify('-- only a comment')).toEqual([]);
    expect(classify('SELECT 1; SELECT 2; SELECT 3')).toHaveLength(3);
  });

  it('fails closed on parse errors for every statement of the text', () => {
    const result = classify('SELECT 1; SELEC 2; DROP TABLE t');
    expect(result.map((r) => r.category)).toEqual(['unknown', 'unknown', 'unknown']);
  });
});
