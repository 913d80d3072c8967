import { connect } from 'node:net';
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import { bigRowEmail, defineConformanceSuite, startMariadb } from '@gatehouse/testkit';
import type { ConformanceClient, ConformanceError, ConformanceIdentity, ConformanceTarget } from '@gatehouse/testkit';
import { startTestGateway, upstreamFromUrl } from '../testing/gateway-harness.js';
import type { TestGateway, UpstreamServer } from '../testing/gateway-harness.js';
import { connectDirect, seedNumberedEmails } from '../testing/seed.js';

// The adapter conformance suite (packages/testkit) against a real MariaDB (or MYSQL_URL), through
// the whole gateway, with mysql2 as the client. Cancelling is MySQL's way: KILL QUERY <id> from a
// second connection of the same identity.

function nativeError(error: unknown): ConformanceError | unknown {
  const { errno, message } = error as { errno?: unknown; message?: unknown };
  return typeof errno === 'number' && typeof message === 'string' ? { nativeCode: errno, message } : error;
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

async function connectClient(gateway: TestGateway, identity: ConformanceIdentity): Promise<ConformanceClient> {
  const options = { host: 'localhost', port: gateway.port, user: identity.user, database: 'app', ssl: { ca: gateway.cert } };
  const password = await tokenFor(gateway, identity);
  const connection = mysql.createConnection({ ...options, password });
  connection.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => connection.connect((error) => (error ? reject(nativeError(error)) : resolve())));
  const client = connection.promise();
  return {
    async query(statement) {
      try {
        const [rows] = await client.query<mysqlPromise.RowDataPacket[]>(statement);
        return { rows: rows as Record<string, unknown>[] };
      } catch (error) {
        throw nativeError(error);
      }
    },
    streamCount(statement) {
      return new Promise((resolve, reject) => {
        let count = 0;
        connection
          .query(statement)
          .on('result', () => count++)
          .on('error', (error) => reject(nativeError(error)))
          .on('end', () => resolve(count));
      });
    },
    async cancelDuring(statement, afterMs) {
      const running = client.query(statement).then(
        () => undefined,
        (error: unknown) => nativeError(error),
      );
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      const killer = await mysqlPromise.createConnection({ ...options, password: await tokenFor(gateway, { ...identity, token: 'valid' }) });
      await killer.query(`KILL QUERY ${connection.threadId}`);
      await killer.end();
      const error = await running;
      if (error === undefined) throw new Error(`"${statement}" finished although it was cancelled`);
      return error as ConformanceError;
    },
    close: () => client.end(),
  };
}

/** A raw TCP connection that answers the greeting with an impossible packet; resolves when the gateway closes it. */
function sendGarbage(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from('\x03\x00\x00\x09garbage-garbage-garbage')));
    socket.resume();
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

const mysqlUrl = process.env['MYSQL_URL'];

const target: ConformanceTarget = {
  name: mysqlUrl ? 'mysql (MYSQL_URL)' : 'mysql (MariaDB)',
  statements: {
    selectPeople: 'SELECT id, name, email, ssn FROM people ORDER BY id',
    dropPeople: 'DROP TABLE people',
    unboundedDelete: 'DELETE FROM people',
    selectBig: 'SELECT id, email FROM big',
    // MariaDB ends an interrupted SLEEP with 1317; MySQL returns 1 instead, so a busy loop is used there.
    slow: mysqlUrl ? 'SELECT BENCHMARK(2000000000, SHA1(\'x\'))' : 'SELECT SLEEP(10)',
  },
  nativeErrors: { denied: 1142, reviewRequired: 1142, authFailed: 1045, cancelled: 1317 },
  async setup(fixture) {
    const server = mysqlUrl ? undefined : await startMariadb();
    const upstream: UpstreamServer = mysqlUrl ? upstreamFromUrl(mysqlUrl) : server!;
    const owner = await connectDirect(upstream);
    await owner.query('DROP TABLE IF EXISTS people; CREATE TABLE people (id int PRIMARY KEY, name varchar(100) NOT NULL, email varchar(100) NOT NULL, ssn varchar(20) NOT NULL)');
    for (const person of fixture.people) await owner.query('INSERT INTO people VALUES (?, ?, ?, ?)', [person.id, person.name, person.email, person.ssn]);
    await seedNumberedEmails(owner, 'big', fixture.bigRows);
    const [rows] = await owner.query<mysqlPromise.RowDataPacket[]>('SELECT email FROM big WHERE id = 7');
    if (rows[0]?.['email'] !== bigRowEmail(7)) throw new Error(`big seeded differently from bigRowEmail(): ${String(rows[0]?.['email'])}`);
    await owner.end();

    const gateway = await startTestGateway(upstream, fixture.policyYaml);
    return {
      connect: (identity) => connectClient(gateway, identity),
      sendGarbage: () => sendGarbage(gateway.port),
      async teardown() {
        await gateway.stop();
        await server?.stop();
      },
    };
  },
};

defineConformanceSuite(target);
