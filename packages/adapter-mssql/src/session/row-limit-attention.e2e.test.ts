import { startMssql, within } from '@gatehouse/testkit';
import type { MssqlServer, MssqlServerEvent } from '@gatehouse/testkit';
import type { Connection } from 'tedious';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMessage, PacketType } from '../protocol/packet.js';
import { encodeSqlBatch } from '../protocol/requests/sql-batch.js';
import { TokenStreamReader } from '../protocol/token-stream-reader.js';
import { DoneStatus } from '../protocol/tokens/token-types.js';
import type { Token } from '../protocol/tokens/token-types.js';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';
import { openRawClient } from '../testing/raw-client.js';
import { connectDirect, seedNumberedEmails } from '../testing/seed.js';
import { closeTedious, connectTedious, sql } from '../testing/tedious.js';

// A result cut at its row limit is stopped upstream with Attention, instead of every remaining row
// streaming through the gateway to be dropped: the client sees a normal end of result (the notice,
// DONE counting the rows sent) and the session goes on.

const TOTAL = 200_000;
const LIMIT = 1_000;

const POLICY = `
version: 1
rules:
  - id: support-limited
    effect: allow
    when: { principal: { groups: [support] }, action: { category: [read] } }
    limit: { rows: ${LIMIT} }
  - id: support-transactions
    effect: allow
    when: { principal: { groups: [support] }, action: { category: [transaction] } }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

function tokensOf(payload: Buffer): Token[] {
  const reader = new TokenStreamReader();
  const tokens = reader.push(payload);
  reader.endOfMessage();
  return tokens;
}

function isAttentionAck(tokens: readonly Token[]): boolean {
  return tokens.some((token) => (token.kind === 'done' || token.kind === 'doneproc' || token.kind === 'doneinproc') && (token.status & DoneStatus.Attention) !== 0);
}

describe('SQL Server row limits stop the upstream result (Attention)', () => {
  let server: MssqlServer;
  let gateway: TestGateway;
  const open: Connection[] = [];

  async function support(): Promise<Connection> {
    const connection = await connectTedious(gateway.port, { user: 'sam', password: await gateway.token('sam', ['support']), ca: gateway.cert });
    open.push(connection);
    return connection;
  }

  /** Stand-in only (a real server reports no events): how the upstream result that started after `from` ended. */
  async function upstreamResult(from: number): Promise<MssqlServerEvent | undefined> {
    if (server.kind !== 'tds-test-server') return undefined;
    const find = (): MssqlServerEvent | undefined => server.events.slice(from).find((event) => event.event === 'result');
    for (let waited = 0; !find() && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    return find();
  }

  beforeAll(async () => {
    server = await startMssql();
    const owner = await connectDirect(server);
    await seedNumberedEmails(server, owner, 'huge', TOTAL);
    await closeTedious(owner);
    gateway = await startTestGateway(server, POLICY, { allowPlaintextOnLoopback: true });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(open.map(closeTedious));
    await gateway?.stop();
    await server?.stop();
  });

  it.each(['execSqlBatch', 'execSql'] as const)('%s: the client gets the first rows, the notice and the count; the server stopped early', async (kind) => {
    const c = await support();
    const from = server.events.length;
    const result = await sql(c, 'SELECT id, email FROM huge ORDER BY id', kind);
    expect(result.rows).toHaveLength(LIMIT);
    expect(result.rows[LIMIT - 1]?.[0]).toBe(LIMIT);
    expect(result.rowCount).toBe(LIMIT);
    expect(result.infos.some((info) => info.includes(`cut at ${LIMIT} rows by policy (support-limited)`))).toBe(true);
    const upstream = await upstreamResult(from);
    if (server.kind === 'tds-test-server') {
      // The stand-in checks for Attention between rows: it stopped long before the end.
      expect(upstream).toMatchObject({ cancelled: true });
      expect(upstream?.['rows']).toBeLessThan(TOTAL / 2);
      expect(server.events.slice(from).filter((event) => event.event === 'attention')).toHaveLength(1);
    }
    // The session goes on: the next statements get their own, whole answers.
    expect((await sql(c, 'SELECT COUNT(*) AS n FROM huge')).rows).toEqual([[TOTAL]]);
    expect((await sql(c, 'SELECT id FROM huge WHERE id <= 3 ORDER BY id', kind)).rows).toEqual([[1], [2], [3]]);
  });

  it('inside a transaction the rest is read and dropped instead (an Attention could roll the transaction back)', async () => {
    const c = await support();
    await new Promise<void>((resolve, reject) => c.beginTransaction((error) => (error ? reject(error) : resolve())));
    const from = server.events.length;
    const result = await sql(c, 'SELECT id, email FROM huge ORDER BY id');
    expect(result.rows).toHaveLength(LIMIT);
    expect(result.rowCount).toBe(LIMIT);
    expect(result.infos.some((info) => info.includes(`cut at ${LIMIT} rows`))).toBe(true);
    if (server.kind === 'tds-test-server') {
      expect(await upstreamResult(from)).toMatchObject({ cancelled: false, rows: TOTAL });
      expect(server.events.slice(from).filter((event) => event.event === 'attention')).toHaveLength(0);
    }
    expect((await sql(c, 'SELECT COUNT(*) AS n FROM huge')).rows).toEqual([[TOTAL]]);
    await new Promise<void>((resolve, reject) => c.commitTransaction((error) => (error ? reject(error) : resolve())));
  });

  it('a client Attention racing the gateway’s gets exactly one acknowledgement, and the session goes on', async () => {
    const raw = await openRawClient(gateway.port, 'sam', await gateway.token('sam', ['support']));
    try {
      // Attention sent right behind the request: it lands before, at or after the cut.
      raw.socket.write(encodeMessage(PacketType.SqlBatch, encodeSqlBatch('SELECT id, email FROM huge ORDER BY id')));
      raw.socket.write(encodeMessage(PacketType.Attention, Buffer.alloc(0)));
      let acks = 0;
      let rows = 0;
      for (let messages = 0; acks === 0; messages++) {
        expect(messages).toBeLessThan(5);
        const tokens = tokensOf((await raw.next(15_000)).payload);
        rows += tokens.filter((token) => token.kind === 'row' || token.kind === 'nbcrow').length;
        if (isAttentionAck(tokens)) acks++;
      }
      expect(rows).toBeLessThanOrEqual(LIMIT);
      // The next answer is the next request's, not a second acknowledgement.
      const answer = tokensOf((await raw.batch('SELECT 2 AS two')).payload);
      expect(isAttentionAck(answer)).toBe(false);
      expect(answer.filter((token) => token.kind === 'row')).toHaveLength(1);
      await expect(raw.next(500)).rejects.toThrow();
    } finally {
      raw.socket.destroy();
    }
  });

  it('an Attention sent after the cut response arrived is acknowledged once', async () => {
    const raw = await openRawClient(gateway.port, 'sam', await gateway.token('sam', ['support']));
    try {
      const cut = tokensOf((await raw.batch('SELECT id, email FROM huge ORDER BY id')).payload);
      expect(cut.filter((token) => token.kind === 'row')).toHaveLength(LIMIT);
      expect(cut.at(-1)).toMatchObject({ kind: 'done', status: DoneStatus.Count, rowCount: BigInt(LIMIT) });
      raw.socket.write(encodeMessage(PacketType.Attention, Buffer.alloc(0)));
      expect(isAttentionAck(tokensOf((await within(raw.next(15_000), 15_000, 'the acknowledgement')).payload))).toBe(true);
      const answer = tokensOf((await raw.batch('SELECT 3 AS three')).payload);
      expect(answer.filter((token) => token.kind === 'row')).toHaveLength(1);
      await expect(raw.next(500)).rejects.toThrow();
    } finally {
      raw.socket.destroy();
    }
  });
});
