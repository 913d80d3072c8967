import { connect } from 'node:net';
import { connect as connectTls } from 'node:tls';
import pg from 'pg';
import { startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendReader } from '../protocol/backend-reader.js';
import type { Frame } from '../protocol/frame.js';
import { encodeCancelRequest, encodeSSLRequest, encodeStartupMessage } from '../protocol/messages/startup.js';
import { encodeBind, encodeExecute, encodeParse, encodeSync } from '../protocol/messages/extended.js';
import { encodeQuery } from '../protocol/messages/query.js';
import { encodePasswordMessage } from '../protocol/messages/authentication.js';
import { decodeErrorResponse } from '../protocol/messages/error-notice.js';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';

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
    review: { approvers: { groups: [dba] }, mode: hold, timeout: 15m }
  - id: sessions
    effect: allow
    when: { action: { category: [session, transaction] } }
  - id: analysts-read
    effect: allow
    when:
      principal: { groups: [analysts] }
      action: { category: [read] }
    mask:
      columns: { "*.*.users.email": partial, "*.*.*.ssn": redact }
      detect: [credit_card]
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

describe('PostgreSQL through the gateway', () => {
  let server: PostgresServer;
  let gateway: TestGateway;
  const clients: pg.Client[] = [];

  async function client(user: string, groups: string[], overrides: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
    const c = new pg.Client({
      host: 'localhost',
      port: gateway.port,
      user,
      password: await gateway.token(user, groups),
      database: 'app',
      ssl: { ca: gateway.cert },
      ...overrides,
    });
    clients.push(c);
    c.on('error', () => undefined); // a late socket error after a test ends must not fail the run
    await c.connect();
    return c;
  }

  beforeAll(async () => {
    server = await startPostgres();
    const admin = new pg.Client({
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      database: server.database,
      ssl: { rejectUnauthorized: false },
    });
    await admin.connect();
    await admin.query(`
      CREATE TABLE users (id int PRIMARY KEY, name text, email text, ssn text, card text, age int);
      INSERT INTO users VALUES
        (1, 'Ana', 'ana@example.com', '123-45-6789', '4111 1111 1111 1111', 31),
        (2, 'Bo', 'bo@example.org', '987-65-4321', 'none', 45);
      CREATE TABLE audit_probe (id serial PRIMARY KEY, note text);
    `);
    await admin.end();
    gateway = await startTestGateway(server, POLICY);
  }, 180_000);

  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await gateway?.stop();
    await server?.stop();
  });

  it('authenticates with a gateway token over TLS and runs queries as the gateway service role', async () => {
    const c = await client('carl', ['app']);
    const { rows } = await c.query<{ who: string; ssl: boolean }>(
      'SELECT current_user AS who, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    expect(rows).toEqual([{ who: 'gatehouse_svc', ssl: true }]);
  });

  it('refuses a bad token, a token for someone else, and an expired token', async () => {
    const bad = new pg.Client({ host: 'localhost', port: gateway.port, user: 'carl', password: 'not-a-token', database: 'app', ssl: { ca: gateway.cert } });
    await expect(bad.connect()).rejects.toMatchObject({ code: '28P01' });

    const stolen = new pg.Client({
      host: 'localhost',
      port: gateway.port,
      user: 'mallory',
      password: await gateway.token('carl', ['app']),
      database: 'app',
      ssl: { ca: gateway.cert },
    });
    await expect(stolen.connect()).rejects.toMatchObject({ code: '28P01' });

    const expired = new pg.Client({
      host: 'localhost',
      port: gateway.port,
      user: 'carl',
      password: await gateway.token('carl', ['app'], { ttl: 60, issuedAt: Date.now() - 3_600_000 }),
      database: 'app',
      ssl: { ca: gateway.cert },
    });
    await expect(expired.connect()).rejects.toThrow(/expired/);
  });

  it('requires TLS unless the listener allows loopback plaintext', async () => {
    const plain = new pg.Client({ host: '127.0.0.1', port: gateway.port, user: 'carl', password: await gateway.token('carl', ['app']), database: 'app', ssl: false });
    await expect(plain.connect()).rejects.toMatchObject({ code: '28000' });
  });

  it('denies a DROP TABLE with the native error naming the rule, and the session stays usable', async () => {
    const c = await client('carl', ['app']);
    await expect(c.query('DROP TABLE users')).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('no-drop') });
    const { rows } = await c.query('SELECT count(*)::int AS n FROM users');
    expect(rows[0].n).toBe(2);
  });

  it('a denial inside a transaction aborts it, exactly as the server would', async () => {
    const c = await client('carl', ['app']);
    await c.query('BEGIN');
    await c.query("INSERT INTO audit_probe (note) VALUES ('inside')");
    await expect(c.query('TRUNCATE users')).rejects.toMatchObject({ code: '42501' });
    await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    await c.query('ROLLBACK');
    const { rows } = await c.query("SELECT count(*)::int AS n FROM audit_probe WHERE note = 'inside'");
    expect(rows[0].n).toBe(0);
  });

  it('answers a review decision with a clear approval-required error', async () => {
    const c = await client('carl', ['app']);
    await expect(c.query('DELETE FROM audit_probe')).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('approval required') });
    expect((await c.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  });

  it('denies mid-pipeline: earlier statements of the batch roll back, the rest is skipped to Sync', async () => {
    const token = await gateway.token('carl', ['app']);
    const frames = await rawSession(gateway, 'carl', token, [
      encodeParse('', "INSERT INTO audit_probe (note) VALUES ('pipelined')"),
      encodeBind({ portal: '', statement: '' }),
      encodeExecute(''),
      encodeParse('', 'DROP TABLE users'),
      encodeBind({ portal: '', statement: '' }),
      encodeExecute(''),
      encodeSync(),
    ]);
    const codes = frames.map((frame) => String.fromCharCode(frame.code)).join('');
    expect(codes).toBe('12CEZ');
    const error = decodeErrorResponse(frames[3]!);
    expect(error.fields.get('C')).toBe('42501');
    expect(error.fields.get('M')).toContain('no-drop');
    const c = await client('carl', ['app']);
    const { rows } = await c.query("SELECT count(*)::int AS n FROM audit_probe WHERE note = 'pipelined'");
    expect(rows[0].n).toBe(0);
  });

  it('refuses to Bind a statement prepared outside the protocol path (SQL PREPARE)', async () => {
    const token = await gateway.token('carl', ['app']);
    const frames = await rawSession(
      gateway,
      'carl',
      token,
      [encodeQuery('PREPARE sneaky AS SELECT email FROM users'), encodeBind({ portal: '', statement: 'sneaky' }), encodeExecute(''), encodeSync()],
      2,
    );
    expect(frames.map((frame) => String.fromCharCode(frame.code)).join('')).toBe('CZEZ');
    expect(decodeErrorResponse(frames[2]!).fields.get('C')).toBe('26000');
  });

  it('runs prepared statements with parameters (extended protocol)', async () => {
    const c = await client('carl', ['app']);
    const first = await c.query({ name: 'by-id', text: 'SELECT name FROM users WHERE id = $1', values: [1] });
    const second = await c.query({ name: 'by-id', text: 'SELECT name FROM users WHERE id = $1', values: [2] });
    expect([first.rows[0].name, second.rows[0].name]).toEqual(['Ana', 'Bo']);
  });

  it('masks protected columns, derived expressions, and detected values for analysts', async () => {
    const c = await client('ana', ['analysts']);
    const { rows } = await c.query('SELECT id, name, email, ssn, card, upper(email) AS shout FROM users ORDER BY id');
    expect(rows[0].id).toBe(1);
    expect(rows[0].name).toBe('Ana');
    expect(rows[0].email).not.toContain('ana@');
    expect(rows[0].email).toMatch(/example\.com$/);
    expect(rows[0].ssn).not.toContain('6789'.slice(0, 3) + '-45');
    expect(rows[0].ssn).not.toBe('123-45-6789');
    expect(rows[0].card).not.toContain('4111 1111 1111 1111');
    expect(rows[0].shout).not.toContain('ANA@EXAMPLE.COM');
    expect(rows[1].card).toBe('none');
  });

  it('masks in the extended protocol and in binary result format', async () => {
    const c = await client('ana', ['analysts']);
    const text = await c.query({ text: 'SELECT email FROM users WHERE id = $1', values: [2] });
    expect(text.rows[0].email).not.toContain('bo@');
    // `binary` asks for binary result format (pg supports it; its typings omit it).
    const binaryQuery = { text: 'SELECT email, ssn FROM users WHERE id = $1', values: [1], binary: true } as pg.QueryConfig;
    const binary = await c.query(binaryQuery);
    const email = Buffer.isBuffer(binary.rows[0].email) ? binary.rows[0].email.toString() : String(binary.rows[0].email);
    expect(email).not.toContain('ana@');
  });

  it('masks COPY TO STDOUT output in text and CSV formats', async () => {
    const token = await gateway.token('ana', ['analysts']);
    const text = await rawSession(gateway, 'ana', token, [encodeQuery('COPY users TO STDOUT')]);
    expect(text.map((frame) => String.fromCharCode(frame.code)).join('')).toBe('HddcCZ');
    const rows = text.filter((frame) => frame.code === 0x64).map((frame) => frame.payload.toString());
    expect(rows[0]).toMatch(/^1\tAna\t/);
    expect(rows.join('')).not.toContain('ana@example.com');
    expect(rows.join('')).not.toContain('123-45-6789');
    expect(rows.join('')).not.toContain('4111 1111 1111 1111');

    const csv = await rawSession(gateway, 'ana', token, [encodeQuery('COPY (SELECT id, email FROM users ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)')]);
    const lines = csv.filter((frame) => frame.code === 0x64).map((frame) => frame.payload.toString());
    expect(lines[0]).toBe('id,email\n');
    expect(lines[1]).toMatch(/^1,.*example\.com\n$/);
    expect(lines.join('')).not.toContain('ana@');
  });

  it('withholds COPY output it cannot parse with certainty under a mask plan', async () => {
    const token = await gateway.token('ana', ['analysts']);
    const frames = await rawSession(gateway, 'ana', token, [encodeQuery('COPY users TO STDOUT (FORMAT binary)')]);
    expect(frames.some((frame) => frame.code === 0x64)).toBe(false);
    const error = frames.find((frame) => frame.code === 0x45);
    expect(decodeErrorResponse(error!).fields.get('M')).toContain('could not be masked');
  });

  it('copies unmasked for identities without a mask plan', async () => {
    const token = await gateway.token('carl', ['app']);
    const frames = await rawSession(gateway, 'carl', token, [encodeQuery('COPY users TO STDOUT')]);
    expect(frames.filter((frame) => frame.code === 0x64).map((frame) => frame.payload.toString()).join('')).toContain('ana@example.com');
  });

  it('pins client_encoding and standard_conforming_strings', async () => {
    const refused = await rawStartupError(gateway, new Map([['user', 'carl'], ['database', 'app'], ['client_encoding', 'SJIS']]));
    expect(refused.fields.get('C')).toBe('0A000');
    expect(refused.fields.get('M')).toContain('client_encoding');
    const c = await client('carl', ['app']);
    await expect(c.query("SET client_encoding TO 'SJIS'")).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('pinned') });
    await expect(c.query('SET standard_conforming_strings = off')).rejects.toMatchObject({ code: '42501' });
    expect((await c.query("SELECT current_setting('client_encoding') AS e")).rows[0].e).toBe('UTF8');
  });

  it('redacts values that leak through server error messages', async () => {
    const c = await client('ana', ['analysts']);
    const error = await c.query('SELECT CAST(email AS int) FROM users WHERE id = 1').catch((e: unknown) => e as pg.DatabaseError);
    expect(error).toMatchObject({ code: '22P02' });
    expect((error as Error).message).not.toContain('ana@example.com');
  });

  it('denies by default what no rule allows', async () => {
    const c = await client('eve', []);
    await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('default deny') });
  });

  it('forwards cancel requests with the gateway key to the upstream', async () => {
    const c = await client('carl', ['app']);
    const { processID, secretKey } = c as unknown as { processID: number; secretKey: number };
    const running = c.query('SELECT pg_sleep(10)').catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const key = Buffer.alloc(4);
    key.writeInt32BE(secretKey);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(gateway.port, '127.0.0.1', () => socket.end(encodeCancelRequest(processID, key)));
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    expect(await running).toMatchObject({ code: '57014' });
  });

  it('passes server notices through the redactor', async () => {
    const c = await client('carl', ['app']);
    const notices: string[] = [];
    c.on('notice', (notice) => notices.push(notice.message ?? ''));
    await c.query("DO $$ BEGIN RAISE NOTICE 'contact %', (SELECT email FROM users WHERE id = 1); END $$");
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('contact');
    expect(notices[0]).not.toContain('ana@example.com');
  });

  it('rate-limits failed authentication per identity and address', async () => {
    const limited = await startTestGateway(server, POLICY, { maxAuthFailures: 3 });
    try {
      const attempt = async (password: string) => {
        const c = new pg.Client({ host: 'localhost', port: limited.port, user: 'dave', password, database: 'app', ssl: { ca: limited.cert } });
        c.on('error', () => undefined);
        try {
          await c.connect();
          await c.end();
          return 'ok';
        } catch (error) {
          return (error as Error).message;
        }
      };
      for (let i = 0; i < 3; i++) expect(await attempt('wrong')).toMatch(/gatehouse/);
      // Even the right token is refused until the window passes.
      expect(await attempt(await limited.token('dave', ['app']))).toMatch(/too many|rate|try again/i);
    } finally {
      await limited.stop();
    }
  });

  it('closes a connection that sends garbage and keeps serving everyone else', async () => {
    const c = await client('carl', ['app']);
    await new Promise<void>((resolve) => {
      const socket = connect(gateway.port, '127.0.0.1', () => socket.write(Buffer.from('\x00\x00\x00\x03garbage-garbage')));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.resume(); // consume the FATAL, so 'end' and 'close' can fire
    });
    expect((await c.query('SELECT 2 AS two')).rows[0].two).toBe(2);
  });
});

/** Sends a StartupMessage with the given parameters over TLS and returns the ErrorResponse it gets. */
async function rawStartupError(gateway: TestGateway, params: Map<string, string>) {
  const tcp = connect(gateway.port, '127.0.0.1');
  await new Promise((resolve) => tcp.once('connect', resolve));
  tcp.write(encodeSSLRequest());
  await new Promise((resolve) => tcp.once('data', resolve));
  const socket = connectTls({ socket: tcp, ca: gateway.cert, servername: 'localhost' });
  await new Promise((resolve) => socket.once('secureConnect', resolve));
  const reader = new BackendReader();
  return await new Promise<ReturnType<typeof decodeErrorResponse>>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        if (frame.code === 0x45) {
          socket.destroy();
          resolve(decodeErrorResponse(frame));
        }
      }
    });
    socket.write(encodeStartupMessage(params));
  });
}

/** Logs in with raw protocol messages over TLS, sends `messages` in one write, returns the frames up to ReadyForQuery. */
async function rawSession(gateway: TestGateway, user: string, token: string, messages: Buffer[], readyCount = 1): Promise<Frame[]> {
  const tcp = connect(gateway.port, '127.0.0.1');
  await new Promise((resolve) => tcp.once('connect', resolve));
  tcp.write(encodeSSLRequest());
  await new Promise((resolve) => tcp.once('data', resolve));
  const socket = connectTls({ socket: tcp, ca: gateway.cert, servername: 'localhost' });
  await new Promise((resolve) => socket.once('secureConnect', resolve));
  const reader = new BackendReader();
  const frames: Frame[] = [];
  let phase: 'login' | 'batch' = 'login';
  return await new Promise<Frame[]>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        const code = String.fromCharCode(frame.code);
        if (phase === 'login') {
          if (code === 'R' && frame.payload.readInt32BE(0) === 3) socket.write(encodePasswordMessage(token));
          if (code === 'E') reject(new Error(decodeErrorResponse(frame).fields.get('M')));
          if (code === 'Z') {
            phase = 'batch';
            socket.write(Buffer.concat(messages));
          }
          continue;
        }
        frames.push(frame);
        if (code === 'Z' && --readyCount === 0) {
          socket.end();
          resolve(frames);
        }
      }
    });
    socket.write(encodeStartupMessage(new Map([['user', user], ['database', 'app']])));
  });
}
