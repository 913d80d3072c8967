import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../canonical-json.js';
import { action, DIGEST_KEY, query, session } from '../test-support/fixtures.js';
import { isoTime, sessionContext, statementEvent, statementRecord, statementResult, statementResultEvent, statementStamp, statementWithResult } from './build-events.js';

describe('isoTime', () => {
  it('is exactly toISOString, within a second, across seconds and at the edges', () => {
    const base = Date.UTC(2026, 0, 1, 23, 59, 58, 0);
    for (const ms of [0, 1, 9, 10, 99, 100, 999, 1_000, 1_001, 1_999, 2_000, 2_345]) expect(isoTime(new Date(base + ms))).toBe(new Date(base + ms).toISOString());
    // Back in time, before 1970 and after 9999: still exact.
    for (const ms of [base - 5, 0, -1, -86_400_001, Date.UTC(10_000, 0, 1, 0, 0, 0, 7), base]) expect(isoTime(new Date(ms))).toBe(new Date(ms).toISOString());
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('statement records', () => {
  const context = sessionContext(session('s1'));
  const statement = query('s1', 'q1', [action('SELECT', 'app.public.users', 'SELECT * FROM users WHERE id = ?')], 'allow', {
    literals: [{ object: 'app.public.users', column: 'id', value: 42 }],
    rewrittenText: "SELECT * FROM users WHERE id = ? AND region = 'eu'",
  });

  it('lists its members in canonical (sorted) order, so the encoder need not sort them', () => {
    const event = statementEvent(context, statement, DIGEST_KEY);
    const keys = Object.keys(event);
    expect(keys).toEqual([...keys].sort());
    expect(event).toMatchObject({ type: 'statement', rewritten: true, rewrittenText: 'SELECT * FROM users WHERE id = ? AND region = ?', guardRedactions: 1 });
    expect(event.literalDigests).toHaveLength(2);
  });

  it('built with its result is the same record as the statement with the result event folded in', () => {
    const result = { sessionId: 's1', statementId: 'q1', rowsReturned: 2, durationMs: 3, maskedValues: 1, errorCode: 'bad code!' };
    const folded = statementWithResult(statementEvent(context, statement, DIGEST_KEY), statementResultEvent(context, result, new Date()));
    const built = statementRecord(context, statement, statementStamp(statement, DIGEST_KEY), statementResult(result));
    expect(canonicalJson(built)).toBe(canonicalJson(folded));
    expect(built).toMatchObject({ guardRedactions: 2, result: { outcome: 'error', errorCode: '?', rowsReturned: 2 } });
    expect(JSON.stringify(built)).not.toContain('eu');
  });
});
