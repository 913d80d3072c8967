// Test-only: seeding the upstream directly (not through the gateway) for e2e tests.
import type { MssqlServer } from '@gatehouse/testkit';
import type { Connection } from 'tedious';
import { connectTedious, sql } from './tedious.js';

/** A tedious connection straight to the upstream server, as its owner. */
export function connectDirect(server: MssqlServer): Promise<Connection> {
  return connectTedious(server.port, { host: server.host, user: server.user, password: server.password, encrypt: server.tls, database: server.database });
}

/**
 * (Re)creates `table (id int, email nvarchar(100))` with rows 1..n, email user<i>@example.com, in one
 * statement: SQLite's recursive CTE on the stand-in, a numbers query on a real SQL Server.
 */
export async function seedNumberedEmails(server: MssqlServer, connection: Connection, table: string, rows: number): Promise<void> {
  await sql(connection, `IF OBJECT_ID(N'${table}', N'U') IS NOT NULL DROP TABLE ${table}`);
  await sql(connection, `CREATE TABLE ${table} (id int NOT NULL PRIMARY KEY, email nvarchar(100) NOT NULL)`);
  if (server.kind === 'tds-test-server') {
    await sql(connection, `INSERT INTO ${table} (id, email) WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${rows}) SELECT n, 'user' || n || '@example.com' FROM g`);
  } else {
    await sql(
      connection,
      `WITH g AS (SELECT TOP (${rows}) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS n FROM sys.all_objects a CROSS JOIN sys.all_objects b CROSS JOIN sys.all_objects c) INSERT INTO ${table} (id, email) SELECT n, CONCAT(N'user', n, N'@example.com') FROM g`,
    );
  }
}
