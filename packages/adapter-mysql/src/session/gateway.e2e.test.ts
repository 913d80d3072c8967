import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import mysql from 'mysql2/promise';
import { startMariadb } from '@gatehouse/testkit';
import type { MariadbServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from '../protocol/constants.js';
import { encodeCommandId, encodeCommandText, encodeQuery } from '../protocol/messages/commands.js';
import { decodeErr } from '../protocol/messages/generic.js';
import { framePayload } from '../protocol/writer.js';
import { startTestGateway, upstreamFromUrl } from '../testing/gateway-harness.js';
import type { TestGateway, UpstreamServer } from '../testing/gateway-harness.js';
import { endsSimpleResponse, openRawClient, RawLoginError } from '../testing/raw-client.js';

// The MySQL adapter end to end: mysql2 and raw packets through a real gateway in front of a real
// MariaDB (or the server in MYSQL_URL, e.g. MySQL 8: mysql://user:pass@host:3306/app?tls=require).

const POLICY = `
version: 1
rules:
  - id: no-drop
    effect: deny
    when: { action: { operation: [DROP TABLE, TRUNCATE] } }
    message: Destructive DDL is blocked
  - id: unbounded-review
    effect: review
    when: { action: { category: [write], flags: [unbounded] } }
    review: { approvers: { groups: [dba] }, mode: ticket, timeout: 15m }
  - id: no-other-db
    effect: deny
    when: { action: { operation: [USE], objects: [mysql, information_schema, performance_schema] } }
  - id: no-file-access
    effect: deny
    when: { action: { flags: [file-access] } }
    unless: { principal: { groups: [loaders] } }
  - id: sessions
    effect: allow
    when: { action: { category: [session, transaction] } }
  - id: analysts-read
    effect: allow
    when:
      principal: { groups: [analysts] }
      action: { category: [read] }
    mask:
      columns: { "**.users.email": partial, "**.users.ssn": redact }
      detect: [credit_card]
  - id: loaders
    effect: allow
    when:
      principal: { groups: [loaders] }
      action: { operation: [LOAD DATA] }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] }, action: { category: [read, write, ddl, session, transaction, admin] } }
`;

const mysqlUrl = process.env['MYSQL_URL'];

describe(`MySQL through the gateway (${mysqlUrl ? 'MYSQL_URL' : 'MariaDB fixture'})`, () => {
  let fixture: MariadbServer | undefined;
  let upstream: UpstreamServer;
  let gateway: TestGateway;
  const connections: mysql.Connection[] = [];

  async function client(user: string, groups: string[], overrides: mysql.ConnectionOptions = {}): Promise<mysql.Connection> {
    const connection = await mysql.createConnection({
      host: 'localhost',
      port: gateway.port,
      user,
      password: await gateway.token(user, groups),
      database: 'app',
      ssl: { ca: gateway.cert },
      ...overrides,
    });
    connection.on('error', () => undefined);
    connections.push(connection);
    return connection;
  }

  beforeAll(async () => {
    if (mysqlUrl) upstream = upstreamFromUrl(mysqlUrl);
    else {
      fixture = await startMariadb();
      upstream = fixture;
    }
    const direct = await mysql.createConnection({
      host: upstream.host,
      port: upstream.port,
      user: upstream.user,
      password: upstream.password,
      database: upstream.database,
      ...(upstream.caCertFile ? { ssl: { ca: readFileSync(upstream.caCertFile, 'utf8') } } : {}),
      multipleStatements: true,
    });
    await direct.query(`
      DROP TABLE IF EXISTS users, audit_probe, loaded;
      CREATE TABLE users (id int PRIMARY KEY, name varchar(50), email varchar(100) UNIQUE, ssn varchar(20), card varchar(30), age int);
      INSERT INTO users VALUES
        (1, 'Ana', 'ana@example.com', '123-45-6789', '4111 1111 1111 1111', 31),
        (2, 'Bo', 'bo@example.org', '987-65-4321', 'none', 45);
      CREATE TABLE audit_probe (id int AUTO_INCREMENT PRIMARY KEY, note text);
      CREATE TABLE loaded (a int, b varchar(20));
    `);
    await direct.end();
    gateway = await startTestGateway(upstream, POLICY);
  }, 180_000);

  afterAll(async () => {
    for (const connection of connections) await connection.end().catch(() => undefined);
    await gateway?.stop();
    await fixture?.stop();
  });

  describe('authentication', () => {
    it('accepts a gateway token over TLS (caching_sha2_password full authentication) and runs as the gateway user', async () => {
      const c = await client('carl', ['app']);
      const [rows] = await c.query<mysql.RowDataPacket[]>("SELECT CURRENT_USER() AS who, @@session.sql_mode AS mode");
      expect(String(rows[0]!['who'])).toMatch(new RegExp(`^${upstream.user}@`));
      expect(String(rows[0]!['mode'])).not.toMatch(/ANSI_QUOTES|NO_BACKSLASH_ESCAPES/);
      const [status] = await c.query<mysql.RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
      if (upstream.tls !== 'disable' && (upstream.caCertFile || upstream.tls)) expect(String(status[0]!['Value'])).not.toBe('');
    });

    it('refuses a bad token, someone else\'s token and an expired token with 1045', async () => {
      const base = { host: 'localhost', port: gateway.port, database: 'app', ssl: { ca: gateway.cert } };
      await expect(mysql.createConnection({ ...base, user: 'carl', password: 'not-a-token' })).rejects.toMatchObject({ errno: 1045 });
      await expect(mysql.createConnection({ ...base, user: 'mallory', password: await gateway.token('carl', ['app']) })).rejects.toMatchObject({ errno: 1045 });
      const expired = await gateway.token('carl', ['app'], { ttl: 60, issuedAt: Date.now() - 3_600_000 });
      await expect(mysql.createConnection({ ...base, user: 'carl', password: expired })).rejects.toMatchObject({ errno: 1045 });
    });

    it('refuses to take a token without TLS (3159), before the client sends it', async () => {
      const error = await mysql
        .createConnection({ host: '127.0.0.1', port: gateway.port, user: 'carl', password: await gateway.token('carl', ['app']), database: 'app' })
        .then(
          (c) => c.end().then(() => undefined),
          (e: unknown) => e,
        );
      expect(error).toMatchObject({ errno: 3159 });
    });

    it('collects the token with mysql_clear_password from a client that answers with another plugin', async () => {
      const raw = await openRawClient(gateway.port, gateway.cert, 'carl', await gateway.token('carl', ['app']));
      const packets = await raw.request(encodeQuery('SELECT 1'), endsSimpleResponse);
      expect(packets.length).toBeGreaterThan(1);
      raw.end();
      await expect(openRawClient(gateway.port, gateway.cert, 'carl', 'nope')).rejects.toBeInstanceOf(RawLoginError);
    });
  });

  describe('decisions', () => {
    it('denies with ERR 1142 / 42000 naming the rule, and the session carries on', async () => {
      const c = await client('carl', ['app']);
      const error = await c.query('DROP TABLE users').catch((e: unknown) => e);
      expect(error).toMatchObject({ errno: 1142, sqlState: '42000' });
      expect((error as Error).message).toContain('no-drop');
      const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT count(*) AS n FROM users');
      expect(Number(rows[0]!['n'])).toBe(2);
    });

    it('answers review with an approval-required error and runs nothing', async () => {
      const c = await client('carl', ['app']);
      const error = await c.query('DELETE FROM users').catch((e: unknown) => e);
      expect(error).toMatchObject({ errno: 1142 });
      expect((error as Error).message).toMatch(/approval required/);
      expect((error as Error).message).toContain('unbounded-review');
      const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT count(*) AS n FROM users');
      expect(Number(rows[0]!['n'])).toBe(2);
    });

    it('denies by default what no rule allows (nobody)', async () => {
      const c = await client('nobody', []);
      await expect(c.query('SELECT * FROM users')).rejects.toMatchObject({ errno: 1142 });
    });

    it('decides a multi-statement text as a whole (strictest effect), and runs allowed ones with every result', async () => {
      const c = await client('carl', ['app'], { multipleStatements: true });
      await expect(c.query('SELECT 1; DROP TABLE users')).rejects.toMatchObject({ errno: 1142 });
      const [results] = await c.query<mysql.RowDataPacket[][]>('SELECT 1 AS a; SELECT 2 AS b; SELECT id FROM users ORDER BY id');
      expect(results).toHaveLength(3);
      expect(results[2]!.map((row) => row['id'])).toEqual([1, 2]);
    });

    it('decides prepared statements at PREPARE; EXECUTE of an id the gateway did not allow is refused', async () => {
      const c = await client('carl', ['app']);
      const [rows] = await c.execute<mysql.RowDataPacket[]>('SELECT name FROM users WHERE id = ?', [2]);
      expect(rows).toEqual([{ name: 'Bo' }]);
      await expect(c.execute('DROP TABLE users')).rejects.toMatchObject({ errno: 1142 });

      const raw = await openRawClient(gateway.port, gateway.cert, 'carl', await gateway.token('carl', ['app']));
      const [err] = await raw.request(encodeCommandId(Command.STMT_EXECUTE, 1, Buffer.from([0, 1, 0, 0, 0])), endsSimpleResponse);
      expect(decodeErr(err!.payload).errorCode).toBe(1243);
      const [ok] = await raw.request(encodeQuery('SELECT 1'), (p) => p.payload[0] === 0xfe);
      expect(ok).toBeDefined();
      raw.end();
    });

    it('keeps sql_mode and the client character set pinned', async () => {
      const c = await client('carl', ['app']);
      for (const statement of ["SET sql_mode = 'ANSI_QUOTES'", "SET @@session.sql_mode = 'NO_BACKSLASH_ESCAPES'", 'SET NAMES gbk', 'SET character_set_client = sjis']) {
        const error = await c.query(statement).catch((e: unknown) => e);
        expect(error, statement).toMatchObject({ errno: 1142 });
        expect((error as Error).message).toContain('gatehouse:pinned-session-settings');
      }
      await c.query('SET NAMES utf8mb4');
    });

    it('decides COM_INIT_DB as a session USE action and follows the current database', async () => {
      const raw = await openRawClient(gateway.port, gateway.cert, 'carl', await gateway.token('carl', ['app']));
      const [denied] = await raw.request(encodeCommandText(Command.INIT_DB, 'mysql'), endsSimpleResponse);
      expect(decodeErr(denied!.payload)).toMatchObject({ errorCode: 1142 });
      const [ok] = await raw.request(encodeCommandText(Command.INIT_DB, 'app'), endsSimpleResponse);
      expect(ok!.payload[0]).toBe(0);
      raw.end();
      const c = await client('carl', ['app']);
      await expect(c.query('USE mysql')).rejects.toMatchObject({ errno: 1142 });
      await expect(c.changeUser({ user: 'root' })).rejects.toMatchObject({ errno: 1235 });
    });

    it('refuses replication and unknown commands and keeps the session', async () => {
      const raw = await openRawClient(gateway.port, gateway.cert, 'carl', await gateway.token('carl', ['app']));
      for (const command of [Command.BINLOG_DUMP, Command.REGISTER_SLAVE, Command.BINLOG_DUMP_GTID, 0x77]) {
        const [err] = await raw.request(framePayload(Buffer.from([command, 0, 0, 0, 0]), 0), endsSimpleResponse);
        expect(decodeErr(err!.payload).errorCode).toBe(1047);
      }
      const [pong] = await raw.request(framePayload(Buffer.from([Command.PING]), 0), endsSimpleResponse);
      expect(pong!.payload[0]).toBe(0);
      raw.end();
    });

    it('lets KILL through only for the identity\'s own gateway sessions', async () => {
      const mine = await client('carl', ['app']);
      const other = await client('dora', ['app']);
      const killer = await client('carl', ['app']);
      await expect(killer.query(`KILL QUERY ${other.threadId}`)).rejects.toMatchObject({ errno: 1094 });
      const slow = mine.query('SELECT SLEEP(5) AS s').then(
        ([rows]) => ({ rows }),
        (error: unknown) => ({ error }),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      await killer.query(`KILL QUERY ${mine.threadId}`);
      const outcome = await slow;
      expect(Date.now() - started).toBeLessThan(3_000);
      // MariaDB ends an interrupted SLEEP with ERR 1317 (MySQL returns 1 as the value).
      if ('error' in outcome) expect(outcome.error).toMatchObject({ errno: 1317 });
      else expect(outcome.rows).toEqual([{ s: 1 }]);
      await mine.query('SELECT 1');
    });
  });

  describe('masking', () => {
    it('masks text-protocol rows by column lineage (org_table/org_name) and by detector', async () => {
      const c = await client('ana', ['analysts']);
      const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT id, name, email AS contact, ssn, card FROM users ORDER BY id');
      expect(rows[0]!['id']).toBe(1);
      expect(rows[0]!['name']).toBe('Ana');
      expect(rows[0]!['contact']).not.toBe('ana@example.com');
      expect(String(rows[0]!['contact'])).not.toContain('ana@');
      expect(rows[0]!['ssn']).not.toBe('123-45-6789');
      expect(String(rows[0]!['card'])).not.toContain('4111 1111 1111 1111');
      expect(rows[1]!['card']).toBe('none');
    });

    it('masks binary-protocol rows (prepared statements)', async () => {
      const c = await client('ana', ['analysts']);
      const [rows] = await c.execute<mysql.RowDataPacket[]>('SELECT id, email, ssn, age FROM users WHERE id > ? ORDER BY id', [0]);
      expect(rows.map((row) => row['id'])).toEqual([1, 2]);
      expect(rows[1]!['age']).toBe(45);
      for (const [index, row] of rows.entries()) {
        const original = index === 0 ? 'ana@example.com' : 'bo@example.org';
        expect(row['email']).not.toBe(original);
        expect(String(row['ssn'])).not.toMatch(/\d{3}-\d{2}-\d{4}/);
      }
    });

    it('masks every result set of a multi-result response', async () => {
      const c = await client('ana', ['analysts'], { multipleStatements: true });
      const [results] = await c.query<mysql.RowDataPacket[][]>('SELECT email FROM users WHERE id = 1; SELECT ssn FROM users WHERE id = 2');
      expect(results[0]![0]!['email']).not.toBe('ana@example.com');
      expect(results[1]![0]!['ssn']).not.toBe('987-65-4321');
    });

    it('leaves rows untouched for identities without a mask plan', async () => {
      const c = await client('carl', ['app']);
      const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT email, ssn FROM users ORDER BY id');
      expect(rows).toEqual([
        { email: 'ana@example.com', ssn: '123-45-6789' },
        { email: 'bo@example.org', ssn: '987-65-4321' },
      ]);
    });
  });

  it('redacts values from server error messages (duplicate key)', async () => {
    const c = await client('carl', ['app']);
    const error = await c.query("INSERT INTO users (id, name, email) VALUES (99, 'X', 'ana@example.com')").catch((e: unknown) => e);
    expect(error).toMatchObject({ errno: 1062 });
    expect((error as Error).message).toMatch(/Duplicate entry/);
    expect((error as Error).message).not.toContain('ana@example.com');
  });

  describe('LOAD DATA LOCAL INFILE', () => {
    it('never asks the client for a file when the statement is denied', async () => {
      let asked = false;
      const c = await client('carl', ['app'], {
        infileStreamFactory: () => {
          asked = true;
          return Readable.from([Buffer.from('1\tx\n')]);
        },
      });
      const error = await c.query("LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE loaded").catch((e: unknown) => e);
      expect(error).toMatchObject({ errno: 1142 });
      expect((error as Error).message).toContain('no-file-access');
      expect(asked).toBe(false);
    });

    it('streams the file when policy allows the load', async () => {
      const c = await client('lou', ['loaders', 'app'], { infileStreamFactory: () => Readable.from([Buffer.from('1\tone\n'), Buffer.from('2\ttwo\n3\tthree\n')]) });
      const [result] = await c.query<mysql.ResultSetHeader>("LOAD DATA LOCAL INFILE 'rows.tsv' INTO TABLE loaded");
      expect(result.affectedRows).toBe(3);
      const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT count(*) AS n FROM loaded');
      expect(Number(rows[0]!['n'])).toBe(3);
    });
  });

  describe('malformed packets', () => {
    it('closes the connection on a bad sequence id, an oversize packet and garbage, and keeps serving others', async () => {
      const healthy = await client('carl', ['app']);
      const raw = await openRawClient(gateway.port, gateway.cert, 'carl', await gateway.token('carl', ['app']));
      const bad = framePayload(Buffer.from([Command.QUERY, 0x31]), 5);
      const answer = await raw.request(bad, () => true).catch(() => []);
      if (answer[0]) expect(decodeErr(answer[0].payload).errorCode).toBe(1156);
      await raw.closed;

      const big = await openRawClient(gateway.port, gateway.cert, 'carl', await gateway.token('carl', ['app']));
      const header = Buffer.from([0xff, 0xff, 0xff, 0]);
      big.send(header);
      for (let i = 0; i < 5; i++) big.send(Buffer.alloc(0xffffff)); // 80 MiB announced in parts, above the 64 MiB limit
      await big.closed;

      await new Promise<void>((resolve, reject) => {
        const socket = connect(gateway.port, '127.0.0.1', () => socket.write(Buffer.from('\x01\x00\x00\x07garbage-garbage-garbage')));
        socket.resume();
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });

      const [rows] = await healthy.query<mysql.RowDataPacket[]>('SELECT count(*) AS n FROM users');
      expect(Number(rows[0]!['n'])).toBe(2);
      const fresh = await client('carl', ['app']);
      await fresh.query('SELECT 1');
    });
  });
});
