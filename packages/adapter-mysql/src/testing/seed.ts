import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import type { UpstreamServer } from './gateway-harness.js';

/** A mysql2 connection straight to the upstream (not through the gateway), for seeding and checking. */
export function connectDirect(server: UpstreamServer): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database: server.database,
    multipleStatements: true,
    ...(server.caCertFile ? { ssl: { ca: readFileSync(server.caCertFile, 'utf8') } } : server.tls && server.tls !== 'disable' ? { ssl: { rejectUnauthorized: false } } : {}),
  });
}

/** Fills `table (id int, email varchar)` with rows 1..n, email user<i>@example.com, in one server-side statement. */
export async function seedNumberedEmails(connection: mysql.Connection, table: string, rows: number): Promise<void> {
  const [version] = await connection.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
  const mariadb = String(version[0]!['v']).includes('MariaDB');
  await connection.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id int PRIMARY KEY, email varchar(100) NOT NULL)`);
  if (mariadb) {
    // MariaDB's SEQUENCE engine: seq_1_to_N is a virtual table of numbers.
    await connection.query(`INSERT INTO ${table} SELECT seq, CONCAT('user', seq, '@example.com') FROM seq_1_to_${rows}`);
  } else {
    await connection.query(
      `SET SESSION cte_max_recursion_depth = ${rows + 1}; INSERT INTO ${table} WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${rows}) SELECT n, CONCAT('user', n, '@example.com') FROM g`,
    );
  }
}
