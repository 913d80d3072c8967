import { connect } from 'node:net';
import pg from 'pg';
import { bigRowEmail, defineConformanceSuite, startPostgres } from '@gatehouse/testkit';
import type { ConformanceClient, ConformanceError, ConformanceIdentity, ConformanceTarget } from '@gatehouse/testkit';
import { encodeCancelRequest } from '../protocol/messages/startup.js';
import { connectDirect, startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';

// The adapter conformance suite (packages/testkit) against a real PostgreSQL, through the whole
// gateway, with the `pg` driver as the client.

/** The driver's error as the suite compares it; anything without a SQLSTATE is passed on as is. */
function nativeError(error: unknown): unknown {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === 'string' && typeof message === 'string' ? { nativeCode: code, message } : error;
}

async function tokenFor(gateway: TestGateway, identity: ConformanceIdentity): Promise<string> {
  const groups = [...identity.groups];
  switch (identity.token ?? 'valid') {
    case 'valid':
      return gateway.token(identity.user, groups, { kind: identity.kind });
    case 'bad':
      return 'not-a-token';
    case 'expired':
      return gateway.token(identity.user, groups, { kind: identity.kind, ttl: 60, issuedAt: Date.now() - 3_600_000 });
    case 'other-user':
      return gateway.token(`${identity.user}.other`, groups, { kind: identity.kind });
  }
}

/** Sends a CancelRequest with the key the gateway gave the client, as libpq does (new plain connection). */
function sendCancel(port: number, processId: number, secretKey: number): Promise<void> {
  const key = Buffer.alloc(4);
  key.writeInt32BE(secretKey);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(encodeCancelRequest(processId, key)));
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

async function connectClient(gateway: TestGateway, identity: ConformanceIdentity): Promise<ConformanceClient> {
  const client = new pg.Client({
    host: 'localhost',
    port: gateway.port,
    user: identity.user,
    password: await tokenFor(gateway, identity),
    database: 'app',
    ssl: { ca: gateway.cert },
  });
  client.on('error', () => undefined); // a dropped connection fails the next query instead
  await client.connect().catch((error: unknown) => {
    throw nativeError(error);
  });
  return {
    async query(statement) {
      try {
        const { rows } = await client.query<Record<string, unknown>>(statement);
        return { rows };
      } catch (error) {
        throw nativeError(error);
      }
    },
    streamCount(statement) {
      // With a 'row' listener and no callback, pg emits rows without accumulating them.
      return new Promise((resolve, reject) => {
        let count = 0;
        const query = client.query(new pg.Query(statement));
        query.on('row', () => count++);
        query.on('end', () => resolve(count));
        query.on('error', (error: unknown) => reject(nativeError(error)));
      });
    },
    async cancelDuring(statement, afterMs) {
      const running = client.query(statement).then(
        () => undefined,
        (error: unknown) => nativeError(error),
      );
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
      await sendCancel(gateway.port, processID, secretKey);
      const error = await running;
      if (error === undefined) throw new Error(`"${statement}" finished although it was cancelled`);
      return error as ConformanceError;
    },
    close: () => client.end(),
  };
}

/** A raw TCP connection whose first packet has an impossible length; resolves when the gateway closes it. */
function sendGarbage(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from('\x00\x00\x00\x03garbage-garbage')));
    socket.resume(); // consume whatever the gateway answers, so 'close' can fire
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

const postgres: ConformanceTarget = {
  name: 'postgres',
  statements: {
    selectPeople: 'SELECT id, name, email, ssn FROM people ORDER BY id',
    dropPeople: 'DROP TABLE people',
    unboundedDelete: 'DELETE FROM people',
    selectBig: 'SELECT id, email FROM big',
    slow: 'SELECT pg_sleep(10)',
  },
  nativeErrors: { denied: '42501', reviewRequired: '42501', authFailed: '28P01', cancelled: '57014' },
  async setup(fixture) {
    const server = await startPostgres();
    const owner = await connectDirect(server);
    await owner.query('CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, ssn text NOT NULL)');
    for (const person of fixture.people) {
      await owner.query('INSERT INTO people VALUES ($1, $2, $3, $4)', [person.id, person.name, person.email, person.ssn]);
    }
    // One statement on the server; the pattern is checked against bigRowEmail so targets seed the same data.
    await owner.query("CREATE TABLE big AS SELECT g AS id, 'user' || g || '@example.com' AS email FROM generate_series(1, $1::int) AS g", [fixture.bigRows]);
    const { rows } = await owner.query<{ email: string }>('SELECT email FROM big WHERE id = 7');
    if (rows[0]?.email !== bigRowEmail(7)) throw new Error(`big seeded differently from bigRowEmail(): ${rows[0]?.email}`);
    await owner.end();

    const gateway = await startTestGateway(server, fixture.policyYaml);
    return {
      connect: (identity) => connectClient(gateway, identity),
      sendGarbage: () => sendGarbage(gateway.port),
      async teardown() {
        await gateway.stop();
        await server.stop();
      },
    };
  },
};

defineConformanceSuite(postgres);
