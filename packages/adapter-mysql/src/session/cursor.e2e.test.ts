import { createHash } from 'node:crypto';
import { startMariadb } from '@gatehouse/testkit';
import type { MariadbServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Capability, Command, ServerStatus } from '../protocol/constants.js';
import { PayloadCursor } from '../protocol/cursor.js';
import { encodeCommandText, encodeQuery } from '../protocol/messages/commands.js';
import { decodeErr, isResultSetTerminator, terminatorStatus } from '../protocol/messages/generic.js';
import { PayloadWriter } from '../protocol/writer.js';
import { startTestGateway, upstreamFromUrl } from '../testing/gateway-harness.js';
import type { TestGateway, UpstreamServer } from '../testing/gateway-harness.js';
import { endsSimpleResponse, openRawClient, RAW_CLIENT_CAPABILITIES } from '../testing/raw-client.js';
import type { RawClient } from '../testing/raw-client.js';
import { collect, CURSOR_TYPE_READ_ONLY, execute, fetch, prepare } from '../testing/raw-statements.js';
import { connectDirect } from '../testing/seed.js';

// Server-side cursors (COM_STMT_EXECUTE with CURSOR_TYPE_READ_ONLY, then COM_STMT_FETCH) and
// COM_STMT_SEND_LONG_DATA, in raw packets (drivers rarely use either), with masking on.

const POLICY = `
version: 1
rules:
  - id: analysts-read
    effect: allow
    when: { principal: { groups: [analysts] }, action: { category: [read] } }
    mask:
      columns: { "**.people.email": partial }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] }, action: { category: [read, write] } }
`;

const EMAILS = ['ana.lima@example.com', 'bo.berg@example.org', 'cy.chan@example.net', 'di.diaz@example.com', 'ed.eng@example.org'];

function sendLongData(id: number, param: number, data: Buffer): Buffer {
  return new PayloadWriter().int1(Command.STMT_SEND_LONG_DATA).int4(id).int2(param).bytes(data).packet(0);
}

/** A binary row of (INT id, VARCHAR email). */
function idAndEmail(payload: Buffer): [number, string] {
  const c = new PayloadCursor(payload, 'binary row');
  c.skip(1, 'header');
  c.skip(1, 'null bitmap'); // (2 + 7 + 2) / 8 = 1 byte
  return [c.int4('id'), c.lenencString('email')];
}

describe('cursors and long data through the gateway', () => {
  let server: MariadbServer | undefined;
  let upstream: UpstreamServer;
  let gateway: TestGateway;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    const mysqlUrl = process.env['MYSQL_URL'];
    server = mysqlUrl ? undefined : await startMariadb();
    upstream = mysqlUrl ? upstreamFromUrl(mysqlUrl) : server!;
    const direct = await connectDirect(upstream);
    await direct.query('DROP TABLE IF EXISTS people; CREATE TABLE people (id int PRIMARY KEY, email varchar(100), note mediumtext)');
    await direct.query('INSERT INTO people (id, email) VALUES ?', [EMAILS.map((email, i) => [i + 1, email])]);
    await direct.end();
    gateway = await startTestGateway(upstream, POLICY);
  }, 180_000);

  afterAll(async () => {
    for (const client of clients) client.end();
    await gateway?.stop();
    await server?.stop();
  });

  async function open(user: string, groups: string[], capabilities = RAW_CLIENT_CAPABILITIES): Promise<RawClient> {
    const client = await openRawClient(gateway.port, gateway.cert, user, await gateway.token(user, groups), capabilities);
    clients.push(client);
    return client;
  }

  for (const deprecateEof of [true, false]) {
    it(`fetches masked binary rows from a read-only cursor in batches (DEPRECATE_EOF ${deprecateEof ? 'on' : 'off'})`, async () => {
      const capabilities = deprecateEof ? RAW_CLIENT_CAPABILITIES : RAW_CLIENT_CAPABILITIES & ~Capability.DEPRECATE_EOF;
      const client = await open('ana', ['analysts'], capabilities);
      const statement = await prepare(client, 'SELECT id, email FROM people WHERE id > ? ORDER BY id', deprecateEof);
      expect(statement).toMatchObject({ params: 1, columns: 2 });

      // EXECUTE opens the cursor: column count, 2 definitions, a terminator with SERVER_STATUS_CURSOR_EXISTS, no rows.
      const head = await collect(client, execute(statement.id, CURSOR_TYPE_READ_ONLY, ['0']), (packet) => isResultSetTerminator(packet.payload, deprecateEof));
      expect(head).toHaveLength(4);
      expect(terminatorStatus(head[3]!.payload, capabilities) & ServerStatus.CURSOR_EXISTS).toBe(ServerStatus.CURSOR_EXISTS);

      const rows: Array<[number, string]> = [];
      let batches = 0;
      for (;;) {
        const packets = await collect(client, fetch(statement.id, 2), (packet) => isResultSetTerminator(packet.payload, deprecateEof));
        batches++;
        const terminator = packets.at(-1)!;
        expect(terminator.payload[0]).not.toBe(0xff);
        // Sequence ids of a FETCH response start at 1 and run on.
        expect(packets.map((packet) => packet.sequenceId)).toEqual(packets.map((_, i) => i + 1));
        for (const packet of packets.slice(0, -1)) rows.push(idAndEmail(packet.payload));
        if (terminatorStatus(terminator.payload, capabilities) & ServerStatus.LAST_ROW_SENT || batches > 10) break;
      }
      expect(rows.map(([id]) => id)).toEqual([1, 2, 3, 4, 5]);
      expect(batches).toBe(3);
      for (const [index, [, email]] of rows.entries()) {
        expect(email).not.toBe(EMAILS[index]);
        expect(email).not.toContain(EMAILS[index]!.split('@')[0]);
      }

      // The statement executes again with a fresh cursor, and the session carries on afterwards.
      await collect(client, execute(statement.id, CURSOR_TYPE_READ_ONLY, ['3']), (packet) => isResultSetTerminator(packet.payload, deprecateEof));
      const again = await collect(client, fetch(statement.id, 10), (packet) => isResultSetTerminator(packet.payload, deprecateEof));
      expect(again.slice(0, -1).map((packet) => idAndEmail(packet.payload)[0])).toEqual([4, 5]);
      expect(again.slice(0, -1).map((packet) => idAndEmail(packet.payload)[1])).not.toContain(EMAILS[3]);
      const [pong] = await client.request(new PayloadWriter().int1(Command.PING).packet(0), endsSimpleResponse);
      expect(pong!.payload[0]).toBe(0);
    });
  }

  it('refuses FETCH for a statement id it did not allow, and FETCH without an open cursor when rows must be masked', async () => {
    const client = await open('ana', ['analysts']);
    const [unknown] = await client.request(fetch(4242, 1), endsSimpleResponse);
    expect(decodeErr(unknown!.payload).errorCode).toBe(1243);

    const statement = await prepare(client, 'SELECT id, email FROM people ORDER BY id', true);
    // Executed without a cursor: the rows come at once, masked; a FETCH afterwards has no cursor to read.
    const rows = await collect(client, execute(statement.id, 0, []), (packet) => isResultSetTerminator(packet.payload, true));
    expect(rows.slice(3, -1).map((packet) => idAndEmail(packet.payload)[1])).not.toContain(EMAILS[0]);
    const [noCursor] = await client.request(fetch(statement.id, 1), endsSimpleResponse);
    expect(noCursor!.payload[0]).toBe(0xff);
    expect(decodeErr(noCursor!.payload).errorCode).toBe(1421);
    const [pong] = await client.request(new PayloadWriter().int1(Command.PING).packet(0), endsSimpleResponse);
    expect(pong!.payload[0]).toBe(0);
  });

  it('passes COM_STMT_SEND_LONG_DATA chunks for an allowed statement and the server assembles them', async () => {
    const client = await open('carl', ['app']);
    const statement = await prepare(client, 'INSERT INTO people (id, email, note) VALUES (?, ?, ?)', true);
    const chunks = [Buffer.alloc(300_000, 'a'), Buffer.alloc(200_000, 'b'), Buffer.from('the end ✓')];
    // Long data has no response; several chunks go out back to back before the EXECUTE.
    for (const chunk of chunks) client.send(sendLongData(statement.id, 2, chunk));
    const [ok] = await client.request(execute(statement.id, 0, ['10', 'long@example.com', { longData: true }]), endsSimpleResponse);
    expect(ok!.payload[0], ok!.payload[0] === 0xff ? decodeErr(ok!.payload).message : '').toBe(0);

    const expected = createHash('md5').update(Buffer.concat(chunks)).digest('hex');
    const result = await client.request(encodeQuery('SELECT LENGTH(note), MD5(note) FROM people WHERE id = 10'), (packet) => packet.payload[0] === 0xfe || packet.payload[0] === 0xff);
    const row = new PayloadCursor(result[3]!.payload, 'row');
    expect(Number(row.lenencString('length'))).toBe(Buffer.concat(chunks).length);
    expect(row.lenencString('md5')).toBe(expected);
  });

  it('ignores SEND_LONG_DATA for ids it never allowed or that were closed, and the session goes on', async () => {
    const client = await open('carl', ['app']);
    const denied = await client.request(encodeCommandText(Command.STMT_PREPARE, 'DROP TABLE people'), endsSimpleResponse);
    expect(decodeErr(denied[0]!.payload).errorCode).toBe(1142);
    // Ids the server might hand out next: none was allowed by the gateway, so the data goes nowhere.
    for (const id of [1, 2, 3, 99]) client.send(sendLongData(id, 0, Buffer.from('sneaky')));
    const [pong] = await client.request(new PayloadWriter().int1(Command.PING).packet(0), endsSimpleResponse);
    expect(pong!.payload[0]).toBe(0);
    const statement = await prepare(client, 'SELECT ? AS v', true);
    const response = await collect(client, execute(statement.id, 0, ['plain']), (packet) => isResultSetTerminator(packet.payload, true));
    const row = new PayloadCursor(response[2]!.payload, 'row');
    row.skip(2, 'header and null bitmap');
    expect(row.lenencString('v')).toBe('plain');

    // Once closed, the id is forgotten: long data for it is dropped and EXECUTE is refused by the gateway.
    client.send(new PayloadWriter().int1(Command.STMT_CLOSE).int4(statement.id).packet(0));
    client.send(sendLongData(statement.id, 0, Buffer.from('late')));
    const [refused] = await client.request(execute(statement.id, 0, ['x']), endsSimpleResponse);
    expect(decodeErr(refused!.payload)).toMatchObject({ errorCode: 1243 });
  });
});
