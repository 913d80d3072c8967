import { CONFORMANCE_IDENTITIES, CONFORMANCE_PEOPLE, CONFORMANCE_POLICY_YAML, startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendCode } from '../protocol/codes.js';
import type { Frame } from '../protocol/frame.js';
import { encodeBind, encodeClose, encodeDescribe, encodeExecute, encodeParse, encodeSync } from '../protocol/messages/extended.js';
import { decodeDataRow } from '../protocol/messages/rows.js';
import { connectDirect, openRawClient, startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';

// Masking must hold however a client pipelines extended-protocol messages: the gateway decides and
// sends a whole batch before the first response arrives, so whatever it needs to mask a response
// must be captured when the request is sent, not looked up by name when the response comes back.

/** The conformance policy, plus session statements (SHOW, SET) allowed for everyone without masks. */
const POLICY = `${CONFORMANCE_POLICY_YAML}  - id: sessions
    effect: allow
    when: { action: { category: [session] } }
`;
const QUERY = 'SELECT id, name, email, ssn FROM people WHERE id <= $1 ORDER BY id';
const COPY_PEOPLE = 'COPY (SELECT id, name, email, ssn FROM people ORDER BY id) TO STDOUT';
const SECRETS = CONFORMANCE_PEOPLE.flatMap((p) => [p.email, p.ssn]);

function bind(portal: string, statement: string): Buffer {
  return encodeBind({ portal, statement, paramFormats: [0], params: [Buffer.from('2')], resultFormats: [0] });
}

describe('masking of pipelined extended-protocol batches', () => {
  let server: PostgresServer;
  let gateway: TestGateway;
  const { analyst } = CONFORMANCE_IDENTITIES;

  beforeAll(async () => {
    server = await startPostgres();
    const owner = await connectDirect(server);
    await owner.query('CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, ssn text NOT NULL)');
    for (const p of CONFORMANCE_PEOPLE) await owner.query('INSERT INTO people VALUES ($1, $2, $3, $4)', [p.id, p.name, p.email, p.ssn]);
    await owner.end();
    gateway = await startTestGateway(server, POLICY);
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
  });

  /** Sends `messages` in one write as the analyst; returns every frame up to ReadyForQuery. */
  async function analystFrames(messages: Buffer[]): Promise<Frame[]> {
    const client = await openRawClient(gateway, analyst.user, await gateway.token(analyst.user, [...analyst.groups]));
    try {
      return await client.request(messages);
    } finally {
      client.end();
    }
  }

  /** The DataRow values the analyst receives, as text. */
  async function analystRows(messages: Buffer[]): Promise<string[][]> {
    return (await analystFrames(messages))
      .filter((frame) => frame.code === BackendCode.DataRow)
      .map((frame) => decodeDataRow(frame).values.map((value) => value?.toString('utf8') ?? 'NULL'));
  }

  /** The COPY TO text lines the analyst receives. */
  async function analystCopyLines(messages: Buffer[]): Promise<string[]> {
    const frames = await analystFrames(messages);
    return frames.filter((frame) => frame.code === BackendCode.CopyData).flatMap((frame) => frame.payload.toString('utf8').split('\n').filter(Boolean));
  }

  function expectMaskedCopy(lines: string[]): void {
    expect(lines.map((line) => line.split('\t').slice(0, 2))).toEqual(CONFORMANCE_PEOPLE.map((p) => [String(p.id), p.name]));
    expect(lines.filter((line) => SECRETS.some((secret) => line.includes(secret)))).toEqual([]);
  }

  function expectMaskedPeople(rows: string[][]): void {
    const people = rows.filter((row) => row.length === 4);
    expect(people.map((row) => [row[0], row[1]])).toEqual(CONFORMANCE_PEOPLE.map((p) => [String(p.id), p.name]));
    expect(people.flat().filter((value) => SECRETS.includes(value))).toEqual([]);
  }

  it('masks a named statement and portal run in two Executes (partial fetch), closed after Sync', async () => {
    expectMaskedPeople(
      await analystRows([
        encodeParse('s1', QUERY, [23]),
        encodeDescribe('S', 's1'),
        bind('p1', 's1'),
        encodeDescribe('P', 'p1'),
        encodeExecute('p1', 1),
        encodeExecute('p1', 0),
        encodeSync(),
      ]),
    );
  });

  it('masks when the statement (not the portal) is closed later in the same pipeline', async () => {
    expectMaskedPeople(await analystRows([encodeParse('s2', QUERY, [23]), bind('', 's2'), encodeExecute('', 0), encodeClose('S', 's2'), encodeSync()]));
  });

  // Regression: responses were once matched to portals by name, so a Close or re-Bind later in the
  // same pipeline left the Execute's rows without a mask plan.
  it('masks when the portal is closed later in the same pipeline', async () => {
    expectMaskedPeople(await analystRows([encodeParse('', QUERY, [23]), bind('', ''), encodeExecute('', 0), encodeClose('P', ''), encodeSync()]));
  });

  // Same regression: a second Bind to the same portal name later in the write (to a statement
  // allowed without masks, here SHOW) must not change how the first Execute's rows are masked.
  it('masks when the portal name is re-bound to an unmasked statement later in the same pipeline', async () => {
    const rows = await analystRows([
      encodeParse('', QUERY, [23]),
      bind('', ''),
      encodeExecute('', 0),
      encodeParse('s3', 'SHOW server_version'),
      encodeBind({ portal: '', statement: 's3' }),
      encodeExecute('', 0),
      encodeSync(),
    ]);
    expectMaskedPeople(rows);
  });

  it('masks COPY … TO STDOUT run through the extended protocol', async () => {
    expectMaskedCopy(await analystCopyLines([encodeParse('', COPY_PEOPLE), encodeBind({}), encodeExecute('', 0), encodeSync()]));
  });

  // Same regression on the COPY path: the portal is closed before CopyOutResponse arrives.
  it('masks COPY … TO STDOUT when the portal is closed later in the same pipeline', async () => {
    expectMaskedCopy(await analystCopyLines([encodeParse('', COPY_PEOPLE), encodeBind({}), encodeExecute('', 0), encodeClose('P', ''), encodeSync()]));
  });
});
