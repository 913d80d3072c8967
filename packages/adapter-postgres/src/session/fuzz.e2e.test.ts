import pg from 'pg';
import { CONFORMANCE_IDENTITIES, CONFORMANCE_PEOPLE, CONFORMANCE_POLICY_YAML, startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendCode, FrontendCode } from '../protocol/codes.js';
import { DEFAULT_FRONTEND_MAX_MESSAGE_BYTES } from '../protocol/frontend-reader.js';
import { encodeBind, encodeClose, encodeDescribe, encodeExecute, encodeParse, encodeSync } from '../protocol/messages/extended.js';
import { encodeQuery } from '../protocol/messages/query.js';
import { decodeErrorResponse } from '../protocol/messages/error-notice.js';
import type { Frame } from '../protocol/frame.js';
import { decodeDataRow } from '../protocol/messages/rows.js';
import { connectDirect, openRawClient, startTestGateway } from '../testing/gateway-harness.js';
import type { RawClient, TestGateway } from '../testing/gateway-harness.js';
import { prng } from '../testing/support.js';

// Mutated traffic after a valid login, in two families:
// - framing or grammar broken in a way PostgreSQL itself answers with 08P01 and a closed
//   connection: the gateway must end the connection within a bound, and one bad connection must
//   never disturb another (a healthy client runs queries the whole time);
// - body bytes mutated with framing intact: the gateway may answer (the server decides what the
//   bytes mean) or refuse with 08P01, but must never hang, fall out of step or leak unmasked data.
// Failures reproduce from the seed printed with them.

const SEED = 0x6a7e5eed;
/** A multiple of 4, so each of mutatedBatch's four mutations runs twice. */
const CASES_PER_KIND = 8;
/** From the last mutated byte written to the connection being closed. */
const END_BOUND_MS = 5_000;

const FRONTEND_CODES: ReadonlySet<number> = new Set(Object.values(FrontendCode));
const CODES = [...FRONTEND_CODES];

type Random = ReturnType<typeof prng>;
type Kind = 'random-bytes' | 'oversize-length' | 'mutated-batch' | 'garbage-mid-query';

/** A byte that starts no frontend message, so a stream beginning with it can only be refused. */
function nonCodeByte(random: Random): number {
  for (;;) {
    const byte = random.int(256);
    if (!FRONTEND_CODES.has(byte)) return byte;
  }
}

/** Random bytes whose first byte is not a message code (a valid code + length would be a legal partial frame to wait on). */
function randomBytes(random: Random): Buffer {
  const bytes = random.bytes(1 + random.int(512));
  bytes[0] = nonCodeByte(random);
  return bytes;
}

/** A known message code with a length no message may have: below the header, negative, or above the cap. */
function oversizeLength(random: Random): Buffer {
  const lengths = [0, 1, 3, -1, -0x80000000, 0x7fffffff, DEFAULT_FRONTEND_MAX_MESSAGE_BYTES + 1, 0x40000000 + random.int(1 << 20)];
  const header = Buffer.alloc(5);
  header[0] = CODES[random.int(CODES.length)]!;
  header.writeInt32BE(lengths[random.int(lengths.length)]!, 1);
  return Buffer.concat([header, random.bytes(random.int(64))]);
}

/** Copies, because body-less encoders (Sync, Flush…) return one shared constant buffer. */
function mutable(messages: readonly Buffer[]): Buffer[] {
  return messages.map((message) => Buffer.from(message));
}

/** The messages a driver sends for one parameterised query. */
function validBatch(): Buffer[] {
  return mutable([
    encodeParse('', 'SELECT id, email FROM people WHERE id = $1', [23]),
    encodeBind({ portal: '', statement: '', paramFormats: [0], params: [Buffer.from('1')], resultFormats: [0] }),
    encodeDescribe('P', ''),
    encodeExecute('', 0),
    encodeSync(),
  ]);
}

/** A valid batch with one grammar-breaking mutation: a bad type byte, a bad length, a lost NUL, an overlong value. */
function mutatedBatch(random: Random, mutation: number): Buffer {
  const messages = validBatch();
  if (mutation === 0) {
    const target = messages[random.int(messages.length)]!;
    target[0] = nonCodeByte(random);
  } else if (mutation === 1) {
    const target = messages[random.int(messages.length)]!;
    target.writeInt32BE([0, 2, -7, DEFAULT_FRONTEND_MAX_MESSAGE_BYTES + 1 + random.int(1000)][random.int(4)]!, 1);
  } else if (mutation === 2) {
    // Parse: the query text's terminator (before the Int16 count and one Int32 type) becomes a
    // letter, so the text runs into the parameter count and the rest no longer adds up.
    const parse = messages[0]!;
    parse[parse.length - 4 - 2 - 1] = 0x41 + random.int(26);
  } else {
    // Bind: the parameter's length claims more bytes than the message holds.
    const bind = messages[1]!;
    const lengthAt = 5 + 1 + 1 + 2 + 2 + 2; // header, portal, statement, format count, one format, param count
    bind.writeInt32BE(2 + random.int(1 << 20), lengthAt);
  }
  return Buffer.concat(messages);
}

/** A named prepare/describe/bind/partial execute/close round: every bookkeeping path of the relay. */
function namedBatch(withClose: boolean): Buffer[] {
  const batch = [
    encodeParse('s1', 'SELECT id, name, email, ssn FROM people WHERE id <= $1 ORDER BY id', [23]),
    encodeDescribe('S', 's1'),
    encodeBind({ portal: 'p1', statement: 's1', paramFormats: [0], params: [Buffer.from('2')], resultFormats: [0] }),
    encodeDescribe('P', 'p1'),
    encodeExecute('p1', 1),
    encodeExecute('p1', 0),
    encodeClose('P', 'p1'),
    encodeClose('S', 's1'),
    encodeSync(),
  ];
  return mutable(withClose ? batch : batch.filter((message) => message[0] !== FrontendCode.Close));
}

/** Overwrites 1–2 body bytes in 1–3 messages (never a header, never the Sync): framing stays intact. */
function bodyMutated(random: Random, withClose: boolean): Buffer {
  const messages = namedBatch(withClose);
  const targets = messages.slice(0, -1);
  for (let n = 1 + random.int(3); n > 0; n--) {
    const message = targets[random.int(targets.length)]!;
    for (let flips = 1 + random.int(2); flips > 0; flips--) message[5 + random.int(message.length - 5)] = random.int(256);
  }
  return Buffer.concat(messages);
}

interface Outcome {
  readonly closedAfterMs: number;
  readonly errorCodes: string[];
}

/** Writes `bytes` on a logged-in connection and waits for the gateway to close it. */
async function assault(client: RawClient, bytes: Buffer): Promise<Outcome> {
  const errorCodes: string[] = [];
  client.onUnsolicited((frame) => {
    if (frame.code === BackendCode.ErrorResponse) errorCodes.push(decodeErrorResponse(frame).fields.get('C') ?? '?');
  });
  const written = performance.now();
  client.socket.write(bytes);
  const closed = await Promise.race([client.closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), END_BOUND_MS))]);
  const closedAfterMs = closed ? performance.now() - written : Number.POSITIVE_INFINITY;
  if (!closed) client.socket.destroy();
  return { closedAfterMs, errorCodes };
}

describe('mutated client traffic after login', () => {
  let server: PostgresServer;
  let gateway: TestGateway;
  const { app } = CONFORMANCE_IDENTITIES;
  const directClients: pg.Client[] = [];

  beforeAll(async () => {
    server = await startPostgres();
    const owner = await connectDirect(server);
    await owner.query('CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, ssn text NOT NULL)');
    for (const p of CONFORMANCE_PEOPLE) await owner.query('INSERT INTO people VALUES ($1, $2, $3, $4)', [p.id, p.name, p.email, p.ssn]);
    await owner.end();
    gateway = await startTestGateway(server, CONFORMANCE_POLICY_YAML);
  }, 180_000);

  afterAll(async () => {
    for (const client of directClients) await client.end().catch(() => undefined);
    await gateway?.stop();
    await server?.stop();
  });

  async function fuzzConnection(kind: Kind, seed: number, index: number): Promise<Outcome> {
    const random = prng(seed);
    const client = await openRawClient(gateway, app.user, await gateway.token(app.user, [...app.groups], { kind: app.kind }));
    switch (kind) {
      case 'random-bytes':
        return assault(client, randomBytes(random));
      case 'oversize-length':
        return assault(client, oversizeLength(random));
      case 'mutated-batch':
        return assault(client, mutatedBatch(random, index % 4));
      case 'garbage-mid-query':
        // The upstream is busy (and holds a backend) when the garbage arrives.
        client.socket.write(encodeQuery('SELECT pg_sleep(0.3), id FROM people'));
        await new Promise((resolve) => setTimeout(resolve, 50));
        return assault(client, randomBytes(random));
    }
  }

  it('ends every mutated connection with 08P01 while a healthy client carries on untouched', async () => {
    const admin = await connectDirect(server, { superuser: true });
    directClients.push(admin);
    const healthy = new pg.Client({
      host: 'localhost',
      port: gateway.port,
      user: app.user,
      password: await gateway.token(app.user, [...app.groups], { kind: app.kind }),
      database: 'app',
      ssl: { ca: gateway.cert },
    });
    const healthyErrors: unknown[] = [];
    healthy.on('error', (error) => healthyErrors.push(error));
    directClients.push(healthy);
    await healthy.connect();
    const backends = async (): Promise<number> =>
      (await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1', [server.user])).rows[0]!.n;
    const baseline = await backends();

    // The healthy client alternates simple and extended queries for as long as the fuzzing runs.
    let fuzzing = true;
    let healthyQueries = 0;
    const healthyLoop = (async () => {
      while (fuzzing) {
        try {
          const simple = await healthy.query('SELECT id, email FROM people ORDER BY id');
          const extended = await healthy.query('SELECT name FROM people WHERE id = $1', [2]);
          if (simple.rows.length !== CONFORMANCE_PEOPLE.length || extended.rows[0]?.name !== CONFORMANCE_PEOPLE[1]!.name) {
            healthyErrors.push(new Error(`wrong result: ${JSON.stringify([simple.rows, extended.rows])}`));
          }
          healthyQueries += 2;
        } catch (error) {
          healthyErrors.push(error);
        }
      }
    })();

    const kinds: Kind[] = ['random-bytes', 'oversize-length', 'mutated-batch', 'garbage-mid-query'];
    const cases = kinds.flatMap((kind, k) => Array.from({ length: CASES_PER_KIND }, (_, index) => ({ kind, index, seed: SEED + k * 1000 + index })));
    const failures: string[] = [];
    try {
      // Eight connections at a time: concurrent enough to interleave, few enough to stay far below max_connections.
      for (let start = 0; start < cases.length; start += 8) {
        const wave = cases.slice(start, start + 8);
        const outcomes = await Promise.all(wave.map(({ kind, seed, index }) => fuzzConnection(kind, seed, index)));
        outcomes.forEach((outcome, i) => {
          const { kind, seed } = wave[i]!;
          const name = `${kind} #${wave[i]!.index} seed=0x${seed.toString(16)}`;
          if (!Number.isFinite(outcome.closedAfterMs)) failures.push(`${name}: still open after ${END_BOUND_MS} ms`);
          if (outcome.errorCodes.join() !== '08P01') failures.push(`${name}: errors ${JSON.stringify(outcome.errorCodes)}, expected one 08P01`);
        });
      }
    } finally {
      fuzzing = false;
      await healthyLoop;
    }

    expect(failures).toEqual([]);
    expect(healthyErrors).toEqual([]);
    expect(healthyQueries).toBeGreaterThan(10);
    // Every fuzzed session's upstream backend is released, not left behind.
    const deadline = Date.now() + 5_000;
    let remaining = await backends();
    while (remaining > baseline && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      remaining = await backends();
    }
    expect(remaining).toBe(baseline);
    expect((await healthy.query('SELECT count(*)::int AS n FROM people')).rows[0].n).toBe(CONFORMANCE_PEOPLE.length);
  }, 60_000);
});

describe('framing-preserving mutations of an extended-protocol round', () => {
  let server: PostgresServer;
  let gateway: TestGateway;
  const { analyst, app } = CONFORMANCE_IDENTITIES;
  const CASES = 96;
  const secrets = CONFORMANCE_PEOPLE.flatMap((p) => [p.email, p.ssn]);

  beforeAll(async () => {
    server = await startPostgres();
    const owner = await connectDirect(server);
    await owner.query('CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, ssn text NOT NULL)');
    for (const p of CONFORMANCE_PEOPLE) await owner.query('INSERT INTO people VALUES ($1, $2, $3, $4)', [p.id, p.name, p.email, p.ssn]);
    await owner.end();
    gateway = await startTestGateway(server, CONFORMANCE_POLICY_YAML);
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
  });

  /**
   * Sends one mutated round and reads until ReadyForQuery or close. The gateway must do one or the
   * other within the bound; when it answers, the session must still be in step (a plain query
   * afterwards gets exactly its own answer); the analyst must never see an unmasked value.
   */
  async function round(seed: number, masked: boolean): Promise<{ failure?: string; outcome: 'ready' | 'closed' | 'hung' }> {
    let outcome: 'ready' | 'closed' | 'hung' = 'hung';
    const failure = await roundFailure(seed, masked, (value) => (outcome = value));
    return failure ? { failure, outcome } : { outcome };
  }

  async function roundFailure(seed: number, masked: boolean, report: (outcome: 'ready' | 'closed' | 'hung') => void): Promise<string | undefined> {
    const random = prng(seed);
    const identity = masked ? analyst : app;
    const client = await openRawClient(gateway, identity.user, await gateway.token(identity.user, [...identity.groups], { kind: identity.kind }));
    const seen: Frame[] = [];
    const leaks = (frames: readonly Frame[]): boolean =>
      masked && frames.some((frame) => frame.code === BackendCode.DataRow && secrets.some((secret) => frame.payload.includes(secret)));
    try {
      const answered = await Promise.race([
        client.request([bodyMutated(random, true)], { onFrame: (frame) => seen.push(frame) }).then(
          () => 'ready' as const,
          () => 'closed' as const,
        ),
        new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), END_BOUND_MS)),
      ]);
      report(answered);
      if (answered === 'hung') return `no ReadyForQuery and no close within ${END_BOUND_MS} ms (saw ${codes(seen)})`;
      if (leaks(seen)) return `unmasked value in a DataRow (saw ${codes(seen)})`;
      if (answered === 'closed') {
        const fatal = seen.filter((frame) => frame.code === BackendCode.ErrorResponse).map((frame) => decodeErrorResponse(frame).fields);
        const last = fatal.at(-1);
        return last?.get('S') === 'FATAL' && last.get('C') === '08P01' ? undefined : `closed without a FATAL 08P01 (saw ${codes(seen)})`;
      }
      const check = await Promise.race([
        client.request([encodeQuery('SELECT id, email FROM people ORDER BY id')]),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), END_BOUND_MS)),
      ]).catch(() => undefined);
      if (!check) return `the follow-up query got no answer (round saw ${codes(seen)})`;
      if (codes(check) !== 'TDDCZ') return `out of step: the follow-up query got ${codes(check)} (round saw ${codes(seen)})`;
      if (leaks(check)) return 'unmasked value in the follow-up query';
      const ids = check.filter((frame) => frame.code === BackendCode.DataRow).map((frame) => decodeDataRow(frame).values[0]?.toString());
      return ids.join() === '1,2' ? undefined : `follow-up query returned ids ${ids.join()}`;
    } finally {
      client.end();
    }
  }

  it('answers every round to its Sync and stays in step, or ends it with 08P01; never leaks, never hangs', async () => {
    const failures: string[] = [];
    const outcomes = { ready: 0, closed: 0, hung: 0 };
    for (let start = 0; start < CASES; start += 8) {
      const seeds = Array.from({ length: Math.min(8, CASES - start) }, (_, i) => SEED + 5000 + start + i);
      const results = await Promise.all(seeds.map((seed, i) => round(seed, (start + i) % 2 === 0)));
      results.forEach(({ failure, outcome }, i) => {
        outcomes[outcome]++;
        if (failure) failures.push(`seed=0x${seeds[i]!.toString(16)} ${(start + i) % 2 === 0 ? 'analyst' : 'app'}: ${failure}`);
      });
    }
    expect(failures).toEqual([]);
    // Both paths were exercised: mutations the server answered, and ones the gateway refused.
    expect(outcomes.ready).toBeGreaterThan(0);
    expect(outcomes.closed).toBeGreaterThan(0);
    console.info(`framing-preserving fuzz: ${JSON.stringify(outcomes)}`);
  }, 60_000);
});

/** The message letters of `frames`, e.g. '12TDsDC33Z', for failure messages. */
function codes(frames: readonly Frame[]): string {
  return frames.map((frame) => String.fromCharCode(frame.code)).join('');
}
