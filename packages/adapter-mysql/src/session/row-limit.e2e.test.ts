import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import type { CompletedStatement } from '@gatehouse/proxy';
import { runCommand, startMariadb } from '@gatehouse/testkit';
import type { MariadbServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Capability, ServerStatus } from '../protocol/constants.js';
import { PayloadCursor } from '../protocol/cursor.js';
import type { Packet } from '../protocol/packet.js';
import { encodeQuery } from '../protocol/messages/commands.js';
import { decodeEof, decodeOk, isResultSetTerminator, terminatorStatus } from '../protocol/messages/generic.js';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';
import { openRawClient, RAW_CLIENT_CAPABILITIES } from '../testing/raw-client.js';
import type { RawClient } from '../testing/raw-client.js';
import { collect, CURSOR_TYPE_READ_ONLY, execute, fetch, prepare } from '../testing/raw-statements.js';
import { connectDirect, seedNumberedEmails } from '../testing/seed.js';

// The policy's row limit through real clients: 5,000 rows cut at 1,000, the cut reported as a MySQL
// warning (counted in the result's terminator, listed by SHOW WARNINGS), the session still usable.

const POLICY = `
version: 1
rules:
  - id: support-capped
    effect: allow
    when: { principal: { groups: [support] }, action: { category: [read] } }
    limit: { rows: 1000 }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

const ROWS = 5_000;
const LIMIT = 1_000;

interface WarningRow {
  Level: string;
  Code: number;
  Message: string;
}

/** The warning count and status of a result set's terminator (OK under DEPRECATE_EOF, else EOF). */
function terminatorFields(packet: Packet, capabilities: number): { warnings: number; status: number } {
  if (capabilities & Capability.DEPRECATE_EOF) {
    const ok = decodeOk(packet.payload, capabilities);
    return { warnings: ok.warnings, status: ok.statusFlags };
  }
  const eof = decodeEof(packet.payload);
  return { warnings: eof.warnings, status: eof.statusFlags };
}

describe('row limits through the MySQL gateway', () => {
  let server: MariadbServer;
  let gateway: TestGateway;
  let dir: string;
  const completed: CompletedStatement[] = [];
  const clients: RawClient[] = [];

  beforeAll(async () => {
    server = await startMariadb();
    const direct = await connectDirect(server);
    await seedNumberedEmails(direct, 'big', ROWS);
    await direct.end();
    gateway = await startTestGateway(server, POLICY, { hooks: { statementCompleted: (_session, statement) => void completed.push(statement) } });
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-row-limit-'));
  }, 180_000);

  afterAll(async () => {
    for (const client of clients) client.end();
    await gateway?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    completed.length = 0;
  });

  async function supportClient(): Promise<mysql.Connection> {
    const connection = await mysql.createConnection({
      host: 'localhost',
      port: gateway.port,
      user: 'sam',
      password: await gateway.token('sam', ['support']),
      database: 'app',
      ssl: { ca: gateway.cert },
      multipleStatements: true,
    });
    connection.on('error', () => undefined);
    return connection;
  }

  async function raw(capabilities: number): Promise<RawClient> {
    const client = await openRawClient(gateway.port, gateway.cert, 'sam', await gateway.token('sam', ['support']), capabilities);
    clients.push(client);
    return client;
  }

  it('cuts a 5,000-row SELECT at 1,000 for mysql2, says so in SHOW WARNINGS, and the next statement works', async () => {
    const c = await supportClient();
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT id, email FROM big ORDER BY id');
    expect(rows).toHaveLength(LIMIT);
    expect(rows.at(-1)!['id']).toBe(LIMIT);

    const [warnings] = await c.query<mysql.RowDataPacket[]>('SHOW WARNINGS');
    expect(warnings as unknown as WarningRow[]).toEqual([
      { Level: 'Warning', Code: 1931, Message: expect.stringContaining(`result cut to ${LIMIT} rows by policy (support-capped)`) as string },
    ]);
    // No value from the result in the warning.
    expect((warnings[0] as WarningRow).Message).not.toMatch(/user\d+@example\.com/);
    const [count] = await c.query<mysql.RowDataPacket[]>('SHOW COUNT(*) WARNINGS');
    expect(Number(Object.values(count[0]!)[0])).toBe(1);
    const [variable] = await c.query<mysql.RowDataPacket[]>('SELECT @@warning_count AS n');
    expect(Number(variable[0]!['n'])).toBe(1);

    // The next statement runs normally, and the gateway's warning is gone with it.
    const [total] = await c.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM big');
    expect(Number(total[0]!['n'])).toBe(ROWS);
    const [after] = await c.query<mysql.RowDataPacket[]>('SHOW WARNINGS');
    expect(after).toEqual([]);
    await c.end();
    expect(completed[0]).toMatchObject({ result: 'ok', rows: LIMIT });
  });

  it('cuts each result set of a multi-statement text, prepared statements (binary rows) too, and leaves small results alone', async () => {
    const c = await supportClient();
    const [sets] = await c.query<mysql.RowDataPacket[][]>('SELECT id FROM big; SELECT 1 AS one; SELECT id FROM big WHERE id <= 1500');
    expect(sets.map((set) => set.length)).toEqual([LIMIT, 1, LIMIT]);
    const [warnings] = await c.query<mysql.RowDataPacket[]>('SHOW WARNINGS');
    expect(warnings).toHaveLength(2);

    const [prepared] = await c.execute<mysql.RowDataPacket[]>('SELECT id, email FROM big WHERE id > ? ORDER BY id', [100]);
    expect(prepared).toHaveLength(LIMIT);
    expect(prepared[0]!['id']).toBe(101);
    const [preparedWarnings] = await c.query<mysql.RowDataPacket[]>('SHOW WARNINGS');
    expect(preparedWarnings).toHaveLength(1);

    const [small] = await c.query<mysql.RowDataPacket[]>('SELECT id FROM big WHERE id <= 1000');
    expect(small).toHaveLength(LIMIT);
    const [none] = await c.query<mysql.RowDataPacket[]>('SHOW WARNINGS');
    expect(none).toEqual([]);
    await c.end();
  });

  for (const deprecateEof of [true, false]) {
    it(`counts the warning in the terminator and keeps sequence ids in order (DEPRECATE_EOF ${deprecateEof ? 'on' : 'off'})`, async () => {
      const capabilities = deprecateEof ? RAW_CLIENT_CAPABILITIES : RAW_CLIENT_CAPABILITIES & ~Capability.DEPRECATE_EOF;
      const client = await raw(capabilities);
      const columnsPart = deprecateEof ? 2 : 3; // count, definition[, EOF]
      // Two result sets: 1,000 rows of the first (cut), the one row of the second, a terminator each.
      const expected = 2 * columnsPart + LIMIT + 1 + 2;
      let seen = 0;
      const packets = await collect(client, encodeQuery('SELECT id FROM big; SELECT 7 AS seven'), () => ++seen === expected);
      // Sequence ids run 1, 2, 3 … across both result sets, the dropped rows leaving no gap.
      expect(packets.map((packet) => packet.sequenceId)).toEqual(packets.map((_, i) => (i + 1) & 0xff));
      const first = packets[columnsPart + LIMIT]!;
      expect(terminatorFields(first, capabilities)).toEqual({ warnings: 1, status: expect.any(Number) as number });
      expect(terminatorFields(first, capabilities).status & ServerStatus.MORE_RESULTS_EXISTS).toBeTruthy();
      const final = packets.at(-1)!;
      expect(isResultSetTerminator(final.payload, deprecateEof)).toBe(true);
      expect(terminatorStatus(final.payload, capabilities) & ServerStatus.MORE_RESULTS_EXISTS).toBe(0);
      expect(terminatorFields(final, capabilities).warnings).toBe(1);
      // Nothing more was sent: the next command's answer is the next thing on the wire.
      const pong = await collect(client, Buffer.from([1, 0, 0, 0, 0x0e]), () => true);
      expect(pong[0]!.payload[0]).toBe(0);

      // Column count, 3 definitions[, EOF], the gateway's row, the terminator.
      let listed = 0;
      const list = await collect(client, encodeQuery('SHOW WARNINGS'), () => ++listed === columnsPart + 2 + 1 + 1);
      expect(list.map((packet) => packet.sequenceId)).toEqual(list.map((_, i) => i + 1));
      const row = new PayloadCursor(list.at(-2)!.payload, 'warning row');
      expect([row.lenencString('level'), row.lenencString('code'), row.lenencString('message')]).toEqual([
        'Warning',
        '1931',
        expect.stringContaining('cut to 1000 rows'),
      ]);
    });
  }

  it('keeps one allowance across a cursor\'s fetches, ends the cursor at the limit, and the session goes on', async () => {
    const client = await raw(RAW_CLIENT_CAPABILITIES);
    const terminator = (packet: Packet) => isResultSetTerminator(packet.payload, true);
    const statement = await prepare(client, 'SELECT id FROM big ORDER BY id', true);
    await collect(client, execute(statement.id, CURSOR_TYPE_READ_ONLY, []), terminator);
    const sizes: number[] = [];
    let last: Packet | undefined;
    for (let i = 0; i < 10; i++) {
      const batch = await collect(client, fetch(statement.id, 600), terminator);
      expect(batch.map((packet) => packet.sequenceId)).toEqual(batch.map((_, index) => (index + 1) & 0xff));
      sizes.push(batch.length - 1);
      last = batch.at(-1)!;
      if (terminatorFields(last, RAW_CLIENT_CAPABILITIES).status & ServerStatus.LAST_ROW_SENT) break;
    }
    expect(sizes).toEqual([600, 400]);
    expect(terminatorFields(last!, RAW_CLIENT_CAPABILITIES).warnings).toBe(1);
    const list = await collect(client, encodeQuery('SHOW WARNINGS'), terminator);
    expect(list).toHaveLength(2 + 3 + 1); // count, 3 definitions, the gateway's row, terminator
    const next = await collect(client, encodeQuery('SELECT 41 + 1'), terminator);
    expect(new PayloadCursor(next[2]!.payload, 'row').lenencString('answer')).toBe('42');
  });

  it('cuts the mariadb CLI\'s result, which shows the warning, and runs the next statement', async () => {
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, gateway.cert);
    const out = await runCommand(
      'mariadb',
      [
        '--no-defaults',
        '--protocol=TCP',
        '-h', 'localhost',
        '-P', String(gateway.port),
        '-u', 'sam',
        `-p${await gateway.token('sam', ['support'])}`,
        `--ssl-ca=${caFile}`,
        '--ssl-verify-server-cert',
        '-D', 'app',
        '-N', '-B',
        '--show-warnings',
        '-e', "SELECT id FROM big ORDER BY id; SELECT 'next statement' AS after_cut",
      ],
      { timeoutMs: 30_000 },
    );
    const lines = out.trim().split('\n');
    const ids = lines.filter((line) => /^\d+$/.test(line));
    expect(ids).toHaveLength(LIMIT);
    expect(ids.at(-1)).toBe(String(LIMIT));
    expect(out).toMatch(/Warning \(Code 1931\): gatehouse: result cut to 1000 rows by policy \(support-capped\)/);
    expect(lines.at(-1)).toBe('next statement');
  });
});
