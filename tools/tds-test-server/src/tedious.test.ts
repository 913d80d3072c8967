import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCertificates } from '@gatehouse/testkit';
import { Request, TYPES } from 'tedious';
import type { Connection } from 'tedious';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTdsTestServer } from './server.js';
import type { TdsTestServer } from './server.js';
import { close, connectTedious, run, sql } from './testing/tedious-client.js';

const USERS = { sa: 'Passw0rd!', alice: 'alice-secret' };
let plain: TdsTestServer;
let tls: TdsTestServer;
let required: TdsTestServer;
let ca: string;
const open: Connection[] = [];

async function connect(server: TdsTestServer, options: Parameters<typeof connectTedious>[1] = {}): Promise<Connection> {
  const connection = await connectTedious(server.port, options);
  open.push(connection);
  return connection;
}

beforeAll(async () => {
  const files = await createTestCertificates(mkdtempSync(join(tmpdir(), 'tds-test-server-')));
  ca = readFileSync(files.caCert, 'utf8');
  const key = readFileSync(files.serverKey, 'utf8');
  const cert = readFileSync(files.serverCert, 'utf8');
  plain = await startTdsTestServer({ users: USERS });
  tls = await startTdsTestServer({ users: USERS, tls: { key, cert, encryption: 'off' } });
  required = await startTdsTestServer({ users: USERS, tls: { key, cert, encryption: 'required' } });
});

afterAll(async () => {
  await Promise.all(open.map(close));
  await Promise.all([plain?.stop(), tls?.stop(), required?.stop()]);
});

describe('tedious 19 against the TDS test server (a SQL Server stand-in)', () => {
  it('connects without encryption and runs SELECT @@VERSION', async () => {
    const c = await connect(plain);
    const result = await sql(c, 'SELECT @@VERSION AS version');
    expect(String(result.rows[0]![0])).toMatch(/stand-in/);
    expect(result.columns).toEqual(['version']);
  });

  it('connects with encrypt: true (TLS inside PRELOGIN, everything encrypted)', async () => {
    const c = await connect(tls, { encrypt: true });
    const result = await sql(c, 'SELECT 1 AS one, N\'ünïcødé\' AS text');
    expect(result.rows).toEqual([[1, 'ünïcødé']]);
    expect(tls.events.some((e) => e.event === 'prelogin' && e['outcome'] === 'full')).toBe(true);
  });

  it("connects with encrypt: 'strict' (TDS 8: TLS first, ALPN tds/8.0)", async () => {
    const c = await connect(tls, { encrypt: 'strict', ca });
    const result = await sql(c, 'SELECT 2 AS two');
    expect(result.rows).toEqual([[2]]);
    expect(tls.events.some((e) => e.event === 'prelogin' && e['outcome'] === 'strict')).toBe(true);
  });

  it('refuses a client that cannot encrypt when encryption is required, and a wrong password with 18456', async () => {
    await expect(connectTedious(required.port, { encrypt: false })).rejects.toThrow(/encrypt/i);
    const ok = await connect(required, { encrypt: true });
    expect((await sql(ok, 'SELECT 3 AS x')).rows).toEqual([[3]]);
    await expect(connectTedious(plain.port, { password: 'wrong' })).rejects.toMatchObject({ message: expect.stringMatching(/Login failed for user 'sa'/) });
    await expect(connectTedious(plain.port, { token: 'eyJ.a.b' })).rejects.toThrow(/Login failed/);
  });

  it('negotiates the packet size (ENVCHANGE) and moves large results in many packets', async () => {
    const c = await connect(plain, { packetSize: 16384 });
    const text = 'y'.repeat(50_000);
    const result = await sql(c, `SELECT N'${text}' AS big`);
    expect(String(result.rows[0]![0])).toHaveLength(50_000);
  });

  it('creates typed tables and returns typed rows (ROW and NBCROW)', async () => {
    const c = await connect(plain);
    await sql(c, `CREATE TABLE people (
      id INT NOT NULL PRIMARY KEY, big BIGINT, active BIT, amount DECIMAL(18,2), ratio FLOAT,
      name NVARCHAR(100) NOT NULL, notes VARCHAR(MAX), born DATETIME2(3), uid UNIQUEIDENTIFIER, hash VARBINARY(16))`);
    await sql(c, `INSERT INTO people (id, big, active, amount, ratio, name, notes, born, uid, hash) VALUES
      (1, 9007199254740993, 1, 1234.5, 0.25, N'Ada', 'long text', '1815-12-10 01:02:03.456', '6F9619FF-8B86-D011-B42D-00C04FC964FF', X'00FF10'),
      (2, NULL, 0, NULL, NULL, N'Bob', NULL, NULL, NULL, NULL)`);
    const result = await sql(c, 'SELECT TOP 5 [id], [big], active, amount, ratio, name, notes, born, uid, hash FROM [people] ORDER BY id');
    expect(result.columns).toEqual(['id', 'big', 'active', 'amount', 'ratio', 'name', 'notes', 'born', 'uid', 'hash']);
    const [ada, bob] = result.rows;
    expect(ada!.slice(0, 7)).toEqual([1, '9007199254740993', true, 1234.5, 0.25, 'Ada', 'long text']);
    expect((ada![7] as Date).toISOString()).toBe('1815-12-10T01:02:03.456Z');
    expect(ada![8]).toBe('6F9619FF-8B86-D011-B42D-00C04FC964FF');
    expect(ada![9]).toEqual(Buffer.from([0x00, 0xff, 0x10]));
    expect(bob).toEqual([2, null, false, null, null, 'Bob', null, null, null, null]);
  });

  it('execSql: parameters via sp_executesql', async () => {
    const c = await connect(plain);
    await sql(c, 'CREATE TABLE params_t (id INT NOT NULL, label NVARCHAR(50), at DATETIME2)');
    const insert = await run(c, (done) => {
      const r = new Request('INSERT INTO params_t (id, label, at) VALUES (@id, @label, @at)', done);
      r.addParameter('id', TYPES.Int, 7);
      r.addParameter('label', TYPES.NVarChar, "O'Brien");
      r.addParameter('at', TYPES.DateTime2, new Date('2024-05-06T07:08:09.123Z'));
      return r;
    });
    expect(insert.rowCount).toBe(1);
    const select = await run(c, (done) => {
      const r = new Request('SELECT id, label, at FROM params_t WHERE id = @id AND label = @label', done);
      r.addParameter('id', TYPES.Int, 7);
      r.addParameter('label', TYPES.NVarChar, "O'Brien");
      return r;
    });
    expect(select.rows[0]!.slice(0, 2)).toEqual([7, "O'Brien"]);
    expect((select.rows[0]![2] as Date).toISOString()).toBe('2024-05-06T07:08:09.123Z');
    expect(plain.events.some((e) => e.event === 'rpc' && e['procedure'] === 'sp_executesql')).toBe(true);
  });

  it('prepared statements: prepare, execute twice, unprepare', async () => {
    const c = await connect(plain);
    let settle: ((error?: Error | null) => void) | undefined;
    const request = new Request('SELECT @a + 1 AS next', (error) => settle?.(error));
    request.addParameter('a', TYPES.Int, undefined);
    const values: unknown[] = [];
    request.on('row', (cols: { value: unknown }[]) => values.push(cols[0]!.value));
    await new Promise<void>((resolve) => {
      request.once('prepared', () => resolve());
      c.prepare(request);
    });
    const handle = (request as unknown as { handle: number }).handle;
    expect(handle).toBeGreaterThan(0);
    for (const a of [1, 41]) {
      await new Promise<void>((resolve, reject) => {
        settle = (error) => (error ? reject(error) : resolve());
        c.execute(request, { a });
      });
    }
    expect(values).toEqual([2, 42]);
    await new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
      c.unprepare(request);
    });
    expect(plain.events.filter((e) => e.event === 'rpc').map((e) => e['procedure'])).toEqual(expect.arrayContaining(['sp_prepare', 'sp_execute', 'sp_unprepare']));
  });

  it('transactions: beginTransaction/commitTransaction/rollbackTransaction (TM requests) and T-SQL ones', async () => {
    const c = await connect(plain);
    await sql(c, 'CREATE TABLE tx_t (id INT NOT NULL)');
    const tm = (fn: 'beginTransaction' | 'commitTransaction' | 'rollbackTransaction') =>
      new Promise<void>((resolve, reject) => (c[fn] as (cb: (e?: Error) => void) => void)((e) => (e ? reject(e) : resolve())));
    await tm('beginTransaction');
    await sql(c, 'INSERT INTO tx_t VALUES (1)');
    await tm('rollbackTransaction');
    await tm('beginTransaction');
    await sql(c, 'INSERT INTO tx_t VALUES (2)');
    await tm('commitTransaction');
    await sql(c, 'BEGIN TRAN; INSERT INTO tx_t VALUES (3); ROLLBACK');
    expect((await sql(c, 'SELECT id FROM tx_t')).rows).toEqual([[2]]);
    expect(plain.events.filter((e) => e.event === 'tm').length).toBeGreaterThanOrEqual(4);
  });

  it('bulk load (INSERT BULK + BULK LOAD token stream)', async () => {
    const c = await connect(plain);
    await sql(c, 'CREATE TABLE bulk_t (id INT NOT NULL, name NVARCHAR(50))');
    const count = await new Promise<number>((resolve, reject) => {
      const bulk = c.newBulkLoad('bulk_t', (error, rowCount) => (error ? reject(error) : resolve(rowCount ?? -1)));
      bulk.addColumn('id', TYPES.Int, { nullable: false });
      bulk.addColumn('name', TYPES.NVarChar, { length: 50, nullable: true });
      c.execBulkLoad(bulk, [{ id: 1, name: 'one' }, { id: 2, name: null }, { id: 3, name: 'three' }]);
    });
    expect(count).toBe(3);
    expect((await sql(c, 'SELECT id, name FROM bulk_t ORDER BY id')).rows).toEqual([[1, 'one'], [2, null], [3, 'three']]);
  });

  it('cancel: Attention stops a running WAITFOR and the connection stays usable', async () => {
    const c = await connect(plain);
    const started = Date.now();
    const cancelled = run(c, (done) => new Request("WAITFOR DELAY '00:00:10'", done), 'execSqlBatch');
    setTimeout(() => c.cancel(), 200);
    await expect(cancelled).rejects.toMatchObject({ code: 'ECANCEL' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await sql(c, 'SELECT 5 AS five')).rows).toEqual([[5]]);
  });

  it('follows ENVCHANGE routing (type 20) to another server, as with Azure SQL', async () => {
    const router = await startTdsTestServer({ users: USERS, route: { server: '127.0.0.1', port: plain.port } });
    try {
      const c = await connect(router);
      expect((await sql(c, 'SELECT 9 AS nine')).rows).toEqual([[9]]);
      expect(router.events.some((e) => e.event === 'routed')).toBe(true);
    } finally {
      await router.stop();
    }
  });

  it('errors keep the session usable: invalid object, syntax, RAISERROR, PRINT', async () => {
    const c = await connect(plain);
    await expect(sql(c, 'SELECT * FROM nope')).rejects.toMatchObject({ number: 208, class: 16 });
    await expect(sql(c, 'RAISERROR(N\'custom failure\', 16, 1)')).rejects.toMatchObject({ number: 50000, message: 'custom failure' });
    const printed = await sql(c, "PRINT 'hello from print'; SELECT 1 AS x");
    expect(printed.infos).toContain('hello from print');
    expect(printed.rows).toEqual([[1]]);
  });
});
