import { connect } from 'node:net';
import { bigRowEmail, defineConformanceSuite, startMssql } from '@gatehouse/testkit';
import type { ConformanceClient, ConformanceError, ConformanceIdentity, ConformanceTarget } from '@gatehouse/testkit';
import { Request, TYPES } from 'tedious';
import type { Connection } from 'tedious';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';
import { connectDirect, seedNumberedEmails } from '../testing/seed.js';
import { closeTedious, connectTedious, sql } from '../testing/tedious.js';
import type { TediousError } from '../testing/tedious.js';

// The adapter conformance suite (packages/testkit) against the TDS stand-in (or MSSQL_URL), through
// the whole gateway, with tedious as the client. Cancelling is SQL Server's way: an Attention
// message on the same connection; tedious then fails the request with ECANCEL (SQL Server sends no
// error number for a cancel).

function nativeError(error: unknown, loginNumber?: number): ConformanceError | unknown {
  const { number, code, message } = error as TediousError;
  if (typeof message !== 'string') return error;
  const nativeCode = loginNumber ?? number ?? code;
  return nativeCode === undefined ? error : { nativeCode, message };
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
  let loginNumber: number | undefined;
  let connection: Connection;
  try {
    connection = await connectTedious(gateway.port, {
      user: identity.user,
      password: await tokenFor(gateway, identity),
      ca: gateway.cert,
      onErrorNumber: (number) => (loginNumber ??= number),
    });
  } catch (error) {
    throw nativeError(error, loginNumber);
  }
  return {
    async query(statement) {
      try {
        const result = await sql(connection, statement);
        return { rows: result.rows.map((row) => Object.fromEntries(result.columns.map((name, i) => [name, row[i]]))) };
      } catch (error) {
        throw nativeError(error);
      }
    },
    streamCount(statement) {
      return new Promise((resolve, reject) => {
        let count = 0;
        const request = new Request(statement, (error) => (error ? reject(nativeError(error)) : resolve(count)));
        request.on('row', () => void count++);
        connection.execSqlBatch(request);
      });
    },
    async cancelDuring(statement, afterMs) {
      const running = sql(connection, statement).then(
        () => undefined,
        (error: unknown) => nativeError(error),
      );
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      connection.cancel();
      const error = await running;
      if (error === undefined) throw new Error(`"${statement}" finished although it was cancelled`);
      return error as ConformanceError;
    },
    close: () => closeTedious(connection),
  };
}

/** A raw TCP connection that sends bytes no TDS client would (an unknown packet type); resolves when the gateway closes it. */
function sendGarbage(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from('garbage-garbage-garbage-garbage')));
    socket.resume();
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

const target: ConformanceTarget = {
  name: process.env['MSSQL_URL'] ? 'mssql (MSSQL_URL)' : 'mssql (TDS stand-in)',
  statements: {
    selectPeople: 'SELECT id, name, email, ssn FROM people ORDER BY id',
    dropPeople: 'DROP TABLE people',
    unboundedDelete: 'DELETE FROM people',
    selectBig: 'SELECT id, email FROM big',
    slow: "WAITFOR DELAY '00:00:10'",
  },
  nativeErrors: { denied: 229, reviewRequired: 229, authFailed: 18456, cancelled: 'ECANCEL' },
  async setup(fixture) {
    const server = await startMssql();
    const owner = await connectDirect(server);
    await sql(owner, "IF OBJECT_ID(N'people', N'U') IS NOT NULL DROP TABLE people");
    await sql(owner, 'CREATE TABLE people (id int NOT NULL PRIMARY KEY, name nvarchar(100) NOT NULL, email nvarchar(100) NOT NULL, ssn nvarchar(20) NOT NULL)');
    for (const person of fixture.people) {
      await sql(owner, 'INSERT INTO people (id, name, email, ssn) VALUES (@id, @name, @email, @ssn)', 'execSql', (request) => {
        request.addParameter('id', TYPES.Int, person.id);
        request.addParameter('name', TYPES.NVarChar, person.name);
        request.addParameter('email', TYPES.NVarChar, person.email);
        request.addParameter('ssn', TYPES.NVarChar, person.ssn);
      });
    }
    await seedNumberedEmails(server, owner, 'big', fixture.bigRows);
    const check = await sql(owner, 'SELECT email FROM big WHERE id = 7');
    if (check.rows[0]?.[0] !== bigRowEmail(7)) throw new Error(`big seeded differently from bigRowEmail(): ${String(check.rows[0]?.[0])}`);
    await closeTedious(owner);

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

defineConformanceSuite(target);
