import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { within } from './bounded.js';
import { CONFORMANCE_BIG_ROWS, CONFORMANCE_IDENTITIES, CONFORMANCE_PEOPLE, CONFORMANCE_POLICY_YAML, CONFORMANCE_RULES } from './conformance-policy.js';
import { isConformanceError } from './conformance-target.js';
import type { ConformanceClient, ConformanceDeployment, ConformanceError, ConformanceIdentity, ConformanceTarget } from './conformance-target.js';

export interface ConformanceSuiteOptions {
  /** Rows in `big` (default 200,000). */
  readonly bigRows?: number;
  /** Time for `setup` to start the server and gateway (default 180 s: a first run may install packages). */
  readonly setupTimeoutMs?: number;
  /** Time for the big result to stream through (default 60 s). */
  readonly bigResultTimeoutMs?: number;
}

/** The slow statement runs ≥ 5 s; a cancel must end it well before that. */
const CANCEL_BOUND_MS = 4_000;
/** How long the gateway may take to drop a connection that sent garbage. */
const GARBAGE_BOUND_MS = 5_000;

/**
 * Registers the adapter conformance suite for one dialect: every adapter must pass the same cases
 * against a real server, through a real gateway, with the same policy.
 */
export function defineConformanceSuite(target: ConformanceTarget, options: ConformanceSuiteOptions = {}): void {
  const bigRows = options.bigRows ?? CONFORMANCE_BIG_ROWS;
  const { analyst, app, nobody } = CONFORMANCE_IDENTITIES;
  const { statements, nativeErrors } = target;

  describe(`adapter conformance: ${target.name}`, () => {
    let deployment: ConformanceDeployment | undefined;
    const opened: ConformanceClient[] = [];

    async function connect(identity: ConformanceIdentity): Promise<ConformanceClient> {
      const client = await deployment!.connect(identity);
      opened.push(client);
      return client;
    }

    beforeAll(async () => {
      deployment = await target.setup({ policyYaml: CONFORMANCE_POLICY_YAML, people: CONFORMANCE_PEOPLE, bigRows });
    }, options.setupTimeoutMs ?? 180_000);

    afterAll(async () => {
      for (const client of opened) await client.close().catch(() => undefined);
      await deployment?.teardown();
    });

    describe('authentication', () => {
      it('accepts a valid token and runs statements', async () => {
        const client = await connect(app);
        const { rows } = await client.query(statements.selectPeople);
        expect(rows.map((row) => String(row['id']))).toEqual(['1', '2']);
      });

      it.each(['bad', 'expired', 'other-user'] as const)('refuses a %s token with the native authentication error', async (token) => {
        const error = await rejectionOf(deployment!.connect({ ...app, token }));
        expect(error.nativeCode).toBe(nativeErrors.authFailed);
      });
    });

    describe('decisions', () => {
      it('allows what a rule allows and returns the data unchanged', async () => {
        const client = await connect(app);
        const { rows } = await client.query(statements.selectPeople);
        expect(rows.map(person)).toEqual(CONFORMANCE_PEOPLE.map(person));
      });

      it('denies by default what no rule allows', async () => {
        const client = await connect(nobody);
        const error = await rejectionOf(client.query(statements.selectPeople));
        expect(error.nativeCode).toBe(nativeErrors.denied);
      });

      it('denies with the native error naming the rule, and the session carries on', async () => {
        const client = await connect(app);
        const error = await rejectionOf(client.query(statements.dropPeople));
        expect(error.nativeCode).toBe(nativeErrors.denied);
        expect(error.message).toContain(CONFORMANCE_RULES.noDrop);
        const { rows } = await client.query(statements.selectPeople);
        expect(rows).toHaveLength(CONFORMANCE_PEOPLE.length);
      });

      it('answers a review decision with an approval-required error and runs nothing', async () => {
        const client = await connect(app);
        const error = await rejectionOf(client.query(statements.unboundedDelete));
        expect(error.nativeCode).toBe(nativeErrors.reviewRequired);
        expect(error.message).toMatch(/approval/i);
        expect(error.message).toContain(CONFORMANCE_RULES.reviewUnboundedDelete);
        const { rows } = await client.query(statements.selectPeople);
        expect(rows).toHaveLength(CONFORMANCE_PEOPLE.length);
      });
    });

    describe('masking', () => {
      it('masks email and ssn for the analyst and leaves other columns alone', async () => {
        const client = await connect(analyst);
        const { rows } = await client.query(statements.selectPeople);
        expect(rows).toHaveLength(CONFORMANCE_PEOPLE.length);
        rows.forEach((row, index) => {
          const original = CONFORMANCE_PEOPLE[index]!;
          expect(String(row['id'])).toBe(String(original.id));
          expect(row['name']).toBe(original.name);
          expect(row['email']).not.toBe(original.email);
          expect(String(row['email'])).not.toContain(original.email.split('@')[0]!);
          expect(row['ssn']).not.toBe(original.ssn);
          expect(String(row['ssn'])).not.toContain(original.ssn.slice(-4));
        });
      });

      it('returns the same columns unmasked for the app identity', async () => {
        const client = await connect(app);
        const { rows } = await client.query(statements.selectPeople);
        expect(rows.map((row) => [row['email'], row['ssn']])).toEqual(CONFORMANCE_PEOPLE.map((p) => [p.email, p.ssn]));
      });
    });

    it('cancels a running statement the dialect way, and the session carries on', async () => {
      const client = await connect(app);
      const started = Date.now();
      const error = await within(client.cancelDuring(statements.slow, 300), CANCEL_BOUND_MS, 'cancelling the slow statement');
      expect(error.nativeCode).toBe(nativeErrors.cancelled);
      expect(Date.now() - started).toBeLessThan(CANCEL_BOUND_MS);
      const { rows } = await client.query(statements.selectPeople);
      expect(rows).toHaveLength(CONFORMANCE_PEOPLE.length);
    });

    it('drops a connection that sends garbage and keeps serving everyone else', async () => {
      const healthy = await connect(app);
      await healthy.query(statements.selectPeople);
      await within(deployment!.sendGarbage(), GARBAGE_BOUND_MS, 'the gateway closing the garbage connection');
      expect((await healthy.query(statements.selectPeople)).rows).toHaveLength(CONFORMANCE_PEOPLE.length);
      const fresh = await connect(analyst);
      expect((await fresh.query(statements.selectPeople)).rows).toHaveLength(CONFORMANCE_PEOPLE.length);
    });

    it(
      `streams a big result (${bigRows} rows) through with masking on`,
      async () => {
        const client = await connect(analyst);
        expect(await client.streamCount(statements.selectBig)).toBe(bigRows);
      },
      options.bigResultTimeoutMs ?? 60_000,
    );
  });
}

/** Awaits a promise that must reject with a ConformanceError, and returns that error. */
async function rejectionOf(promise: Promise<unknown>): Promise<ConformanceError> {
  const outcome = await promise.then(
    (value) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error(`expected a refusal, but the statement succeeded with ${JSON.stringify(outcome.value)}`);
  if (!isConformanceError(outcome.error)) throw new Error(`expected a { nativeCode, message } error, got ${String(outcome.error)}`);
  return outcome.error;
}

/** A people row as compared across dialects (ids may come back as numbers, strings or bigints). */
function person(row: object): string[] {
  const values = row as Record<string, unknown>;
  return [String(values['id']), String(values['name']), String(values['email']), String(values['ssn'])];
}
