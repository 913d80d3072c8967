import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../canonical-json.js';
import { action, DIGEST_KEY, query, session } from '../test-support/fixtures.js';
import { sessionContext, statementRecord, statementResult, statementStamp } from './build-events.js';
import { PendingStatement } from './pending-statement.js';

describe('PendingStatement', () => {
  const context = sessionContext(session('s1'));
  const statement = query('s1', 'q1', [action('SELECT', 'app.public.users', 'SELECT * FROM users WHERE id = ?')], 'allow', {
    literals: [{ object: 'app.public.users', column: 'id', value: 'needle-42' }],
  });
  const result = { sessionId: 's1', statementId: 'q1', rowsReturned: 2, durationMs: 3, maskedValues: 1 };

  it('builds later exactly the record built at once, with and without its result', () => {
    const now = statementRecord(context, statement, statementStamp(statement, DIGEST_KEY));
    expect(canonicalJson(new PendingStatement(context, statement, DIGEST_KEY, 0).build())).toBe(canonicalJson(now));
    const withResult = statementRecord(context, statement, statementStamp(statement, DIGEST_KEY), statementResult(result));
    const built = new PendingStatement(context, statement, DIGEST_KEY, 0).fold(result).build();
    expect(canonicalJson(built)).toBe(canonicalJson(withResult));
    expect(built.literalDigests).toHaveLength(2);
    expect(JSON.stringify(built)).not.toContain('needle');
  });

  it('fails at once (refusing the statement) on what cannot be recorded later: a bad time, a value with no normal form', () => {
    expect(() => new PendingStatement(context, { ...statement, at: new Date(Number.NaN) }, DIGEST_KEY, 0)).toThrow(RangeError);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const exotic = { ...statement, literals: [{ object: 'app.public.users', column: 'id', value: cyclic }] };
    expect(() => new PendingStatement(context, exotic, DIGEST_KEY, 0)).toThrow(TypeError);
    // Without a digest key the values are dropped, never normalised: nothing to fail.
    expect(new PendingStatement(context, exotic, undefined, 0).build()).not.toHaveProperty('literalDigests');
  });

  it('is built once', () => {
    const pending = new PendingStatement(context, statement, DIGEST_KEY, 0);
    pending.build();
    expect(() => pending.build()).toThrow(TypeError);
  });
});
