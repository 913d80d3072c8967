import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';
import type { CompletedStatement, SessionHooks } from '@gatehouse/proxy';
import { CONFORMANCE_IDENTITIES, CONFORMANCE_PEOPLE, CONFORMANCE_POLICY_YAML, startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BackendCode } from '../protocol/codes.js';
import type { Frame } from '../protocol/frame.js';
import { encodeBind, encodeDescribe, encodeExecute, encodeParse, encodeSync } from '../protocol/messages/extended.js';
import { encodeQuery } from '../protocol/messages/query.js';
import { encodePasswordMessage } from '../protocol/messages/authentication.js';
import { encodeCancelRequest, encodeStartupMessage } from '../protocol/messages/startup.js';
import { BackendReader } from '../protocol/backend-reader.js';
import { decodeDataRow } from '../protocol/messages/rows.js';
import { connectDirect, openRawClient, startTestGateway } from '../testing/gateway-harness.js';
import type { RawClient, TestGateway } from '../testing/gateway-harness.js';

// A plaintext upstream is read into memory the relay reuses (UpstreamReads), and results that need
// no masking pass through as the chunks they arrived in. Both must be invisible: every byte the
// client gets is the server's (or its masked form), however the client reads, and the completion
// events count rows as the full path does.

const BIG_ROWS = 60_000;
const BIG_QUERY = `SELECT g, md5(g::text) || repeat(chr(97 + g % 26), g % 200) FROM generate_series(1, ${BIG_ROWS}) AS g`;
const SECRETS = CONFORMANCE_PEOPLE.flatMap((p) => [p.email, p.ssn]);

/** A digest of the DataRows of `frames`, in order, and how many there were. */
function rowsDigest(frames: readonly Frame[]): { rows: number; digest: string } {
  const hash = createHash('sha256');
  let rows = 0;
  for (const frame of frames) {
    if (frame.code !== BackendCode.DataRow) continue;
    rows++;
    hash.update(frame.raw);
  }
  return { rows, digest: hash.digest('hex') };
}

/**
 * Logs in over plaintext (loopback) and runs `sql`, pausing the socket every few chunks so the
 * gateway's writes to it back up (a plaintext client socket keeps a pending write's memory); returns
 * every frame up to ReadyForQuery.
 */
async function slowPlaintextQuery(port: number, user: string, token: string, sql: string): Promise<Frame[]> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const reader = new BackendReader();
  const frames: Frame[] = [];
  let chunks = 0;
  let loggedIn = false;
  try {
    return await new Promise<Frame[]>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('close', () => reject(new Error('the gateway closed the connection')));
      socket.on('data', (chunk: Buffer) => {
        for (const frame of reader.push(chunk)) {
          if (frame.code === BackendCode.Authentication && frame.payload.readInt32BE(0) === 3) socket.write(encodePasswordMessage(token));
          else if (frame.code === BackendCode.ErrorResponse && !loggedIn) reject(new Error('login refused'));
          else if (frame.code === BackendCode.ReadyForQuery && !loggedIn) {
            loggedIn = true;
            socket.write(encodeQuery(sql));
            // Not read for a while: the kernel's buffers fill, then the gateway's writes wait.
            socket.pause();
            setTimeout(() => socket.resume(), 400);
          } else if (loggedIn) {
            frames.push(frame);
            if (frame.code === BackendCode.ReadyForQuery) resolve(frames);
          }
        }
        if (loggedIn && ++chunks % 40 === 0) {
          socket.pause();
          setTimeout(() => socket.resume(), 20);
        }
      });
      socket.write(encodeStartupMessage(new Map([['user', user], ['database', 'app']])));
    });
  } finally {
    socket.destroy();
  }
}

describe('the relay over a plaintext upstream (reused read memory, pass-through)', () => {
  let server: PostgresServer;
  let gateway: TestGateway;
  const completed: CompletedStatement[] = [];
  const hooks: SessionHooks = { statementCompleted: (_session, event) => void completed.push(event) };
  const { analyst } = CONFORMANCE_IDENTITIES;

  async function appClient(): Promise<RawClient> {
    return openRawClient(gateway, 'carl', await gateway.token('carl', ['app']));
  }

  beforeAll(async () => {
    server = await startPostgres();
    const owner = await connectDirect(server);
    await owner.query('CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, ssn text NOT NULL)');
    for (const p of CONFORMANCE_PEOPLE) await owner.query('INSERT INTO people VALUES ($1, $2, $3, $4)', [p.id, p.name, p.email, p.ssn]);
    await owner.end();
    gateway = await startTestGateway(server, CONFORMANCE_POLICY_YAML, { hooks, plaintextUpstream: true, allowPlaintextOnLoopback: true });
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
  });

  beforeEach(() => {
    completed.length = 0;
  });

  it('delivers a large result byte for byte to a plaintext client that reads slowly', async () => {
    const direct = await connectDirect(server);
    const expected = createHash('sha256');
    const result = await direct.query({ text: BIG_QUERY, rowMode: 'array' });
    await direct.end();
    expect(result.rows).toHaveLength(BIG_ROWS);

    const frames = await slowPlaintextQuery(gateway.port, 'carl', await gateway.token('carl', ['app']), BIG_QUERY);
    // The same rows as DataRow messages, rebuilt from the direct result.
    for (const [g, text] of result.rows as [number, string][]) {
      const values = [Buffer.from(String(g)), Buffer.from(text)];
      const body = Buffer.concat([Buffer.from([0, 2]), ...values.flatMap((value) => [Buffer.from([0, 0, (value.length >> 8) & 0xff, value.length & 0xff]), value])]);
      const header = Buffer.alloc(5);
      header[0] = BackendCode.DataRow;
      header.writeInt32BE(body.length + 4, 1);
      expected.update(Buffer.concat([header, body]));
    }
    expect(rowsDigest(frames)).toEqual({ rows: BIG_ROWS, digest: expected.digest('hex') });
    expect(completed.at(-1)).toMatchObject({ result: 'ok', rows: BIG_ROWS });
  }, 60_000);

  it('answers pipelined simple and extended requests as the server does, counting rows', async () => {
    const client = await appClient();
    try {
      const frames = await client.request([
        encodeParse('', 'SELECT g FROM generate_series(1, $1::int) AS g'),
        encodeBind({ portal: '', statement: '', paramFormats: [0], params: [Buffer.from('3')], resultFormats: [0] }),
        encodeDescribe('P', ''),
        encodeExecute('', 0),
        encodeSync(),
      ]);
      expect(frames.map((frame) => String.fromCharCode(frame.code)).join('')).toBe('12TDDDCZ');
      const more = await client.request([encodeQuery('SELECT 1; SELECT g FROM generate_series(1, 4) AS g; BEGIN; COMMIT')]);
      expect(more.filter((frame) => frame.code === BackendCode.DataRow)).toHaveLength(5);
    } finally {
      client.end();
    }
    expect(completed.map((event) => [event.result, event.rows])).toEqual([
      ['ok', 3],
      ['ok', 5], // one Query: the rows of all its statements
    ]);
  });

  it('decides every request of a pipelined chunk in order: allowed ones pass as sent, a refused one is answered as refused', async () => {
    const client = await appClient();
    try {
      // One write: the allowed statement goes through in place, the refused Parse replaces its bytes,
      // and what follows it is discarded up to the Sync, as the server would.
      const frames = await client.request([
        encodeParse('', 'SELECT 7'),
        encodeBind({ portal: '', statement: '' }),
        encodeExecute('', 0),
        encodeParse('', 'DROP TABLE people'),
        encodeBind({ portal: '', statement: '' }),
        encodeExecute('', 0),
        encodeSync(),
      ]);
      expect(frames.map((frame) => String.fromCharCode(frame.code)).join('')).toBe('12DCEZ');
      expect(frames.find((frame) => frame.code === BackendCode.ErrorResponse)!.raw.toString('utf8')).toContain('Dropping tables is blocked');
      // The session goes on, and the table is still there.
      const after = await client.request([encodeQuery('SELECT count(*) FROM people')]);
      expect(after.filter((frame) => frame.code === BackendCode.DataRow).map((frame) => decodeDataRow(frame).values[0]?.toString())).toEqual([
        String(CONFORMANCE_PEOPLE.length),
      ]);
    } finally {
      client.end();
    }
    expect(completed.map((event) => [event.result, event.rows])).toEqual([
      ['ok', 1],
      ['ok', 1],
    ]);
  });

  it('masks results that carry a mask plan, pipelined or not', async () => {
    const client = await openRawClient(gateway, analyst.user, await gateway.token(analyst.user, [...analyst.groups]));
    try {
      const query = 'SELECT id, name, email, ssn FROM people ORDER BY id';
      const batches: Frame[][] = [
        await client.request([encodeQuery(query)]),
        await client.request([
          encodeParse('s', query),
          encodeBind({ portal: '', statement: 's', paramFormats: [], params: [], resultFormats: [0] }),
          encodeExecute('', 0),
          encodeBind({ portal: '', statement: 's', paramFormats: [], params: [], resultFormats: [0] }),
          encodeExecute('', 0),
          encodeSync(),
        ]),
      ];
      for (const frames of batches) {
        const values = frames
          .filter((frame) => frame.code === BackendCode.DataRow)
          .flatMap((frame) => decodeDataRow(frame).values.map((value) => value?.toString('utf8') ?? ''));
        expect(values.length).toBeGreaterThan(0);
        for (const secret of SECRETS) expect(values).not.toContain(secret);
      }
    } finally {
      client.end();
    }
  });

  it('still redacts server errors and keeps the session usable after one', async () => {
    const client = await appClient();
    try {
      const failed = await client.request([encodeQuery("SELECT 'ana@example.com'::int")]);
      const error = failed.find((frame) => frame.code === BackendCode.ErrorResponse);
      expect(error).toBeDefined();
      expect(error!.raw.toString('utf8')).toContain('invalid input syntax');
      expect(error!.raw.toString('utf8')).not.toContain('ana@example.com');
      const frames = await client.request([encodeQuery('SELECT 2')]);
      expect(frames.filter((frame) => frame.code === BackendCode.DataRow)).toHaveLength(1);
    } finally {
      client.end();
    }
  });

  it('cancels a running statement over a plaintext cancel connection', async () => {
    const c = new pg.Client({ host: 'localhost', port: gateway.port, user: 'carl', password: await gateway.token('carl', ['app']), database: 'app', ssl: { ca: gateway.cert } });
    c.on('error', () => undefined);
    await c.connect();
    try {
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
      expect((await c.query('SELECT 3 AS n')).rows).toEqual([{ n: 3 }]);
    } finally {
      await c.end();
    }
  });
});
