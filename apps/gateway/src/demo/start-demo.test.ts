import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoBanner } from './demo-banner.js';
import { startDemo } from './start-demo.js';
import type { RunningDemo } from './start-demo.js';

describe('the live demo (embedded PostgreSQL behind the gateway)', () => {
  let demo: RunningDemo;
  let stateDir: string;
  let blocker: Server;
  let busyPort: number;
  const clients: pg.Client[] = [];

  async function connectAs(user: string): Promise<pg.Client> {
    const client = new pg.Client({
      host: demo.host,
      port: demo.port,
      database: demo.database,
      user,
      password: demo.identity(user).token,
      ssl: { rejectUnauthorized: false },
    });
    client.on('error', () => undefined);
    clients.push(client);
    await client.connect();
    return client;
  }

  async function failure(client: pg.Client, sql: string): Promise<{ code?: string; message: string }> {
    const error = (await client.query(sql).then(
      () => undefined,
      (caught: unknown) => caught,
    )) as { code?: string; message: string } | undefined;
    expect(error, `expected "${sql}" to fail`).toBeDefined();
    return error!;
  }

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-demo-'));
    // Occupy the preferred port so the fallback to a free one is exercised.
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    busyPort = (blocker.address() as { port: number }).port;
    demo = await startDemo({ stateDir, port: busyPort });
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) await client.end().catch(() => undefined);
    await demo?.stop();
    blocker?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('falls back to a free port when the preferred one is busy, and prints it', () => {
    expect(demo.port).not.toBe(busyPort);
    expect(demo.portChanged).toBe(true);
    const banner = demoBanner(demo);
    expect(banner).toContain(`port=${demo.port}`);
    for (const identity of demo.identities) expect(banner).toContain(identity.token);
    expect(statSync(join(stateDir, 'ana.token')).mode & 0o777).toBe(0o600);
  });

  it('masks PII for the analyst', async () => {
    const ana = await connectAs('ana');
    const { rows } = await ana.query('SELECT name, email, ssn, card_number FROM users ORDER BY id LIMIT 2');
    expect(rows[0]).toEqual({ name: 'Ana Lima', email: '****@example.com', ssn: '****', card_number: '****' });
    const notes = await ana.query('SELECT note FROM orders WHERE id = 102');
    expect(notes.rows[0]?.note).toBe('customer asked to use card **** next time');
  });

  it('hashes emails for the AI agent and refuses its writes', async () => {
    const bot = await connectAs('support-bot');
    // User 2 is in the bot's region (eu): the demo policy filters the bot's reads by region.
    const { rows } = await bot.query('SELECT email, phone FROM users WHERE id = 2');
    expect(rows[0]?.email).toMatch(/^[0-9a-f]{16}$/);
    expect(rows[0]?.phone).toBe('****');
    const error = await failure(bot, "UPDATE users SET phone = '+1 555-0199' WHERE id = 1");
    expect(error.code).toBe('42501');
    expect(error.message).toContain('agents-never-write-prod');
  });

  it('shows the AI agent only the users of its region (row filter from its token attribute)', async () => {
    const bot = await connectAs('support-bot');
    const { rows } = await bot.query('SELECT id, region FROM users ORDER BY id');
    expect(rows).toEqual([
      { id: 2, region: 'eu' },
      { id: 3, region: 'eu' },
    ]);
    expect((await bot.query('SELECT count(*)::int AS n FROM users')).rows[0]).toEqual({ n: 2 });
    // The analyst's rule has no filter: every row.
    const ana = await connectAs('ana');
    expect((await ana.query('SELECT count(*)::int AS n FROM users')).rows[0]).toEqual({ n: 6 });
  });

  it('refuses DROP TABLE for the DBA (42501) and holds an unbounded DELETE for approval', async () => {
    const dora = await connectAs('dora');
    const drop = await failure(dora, 'DROP TABLE users');
    expect(drop.code).toBe('42501');
    expect(drop.message).toContain('no-destructive-ddl-in-prod');
    const unbounded = await failure(dora, 'DELETE FROM sessions');
    expect(unbounded.code).toBe('42501');
    expect(unbounded.message).toContain('approval required');
    // The session stays usable, and bounded writes go through.
    expect((await dora.query('DELETE FROM sessions WHERE expires_at < now()')).rowCount).toBe(1);
    expect((await dora.query('SELECT count(*)::int AS n FROM users')).rows[0]).toEqual({ n: 6 });
  });
});
