import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../errors.js';
import { feed, prng, splitAt, summary } from '../../testing/support.js';
import { Capability, ColumnType } from '../constants.js';
import { PacketReader } from '../packet-reader.js';
import { decodeAuthSwitchRequest, encodeAuthSwitchRequest } from './auth.js';
import { decodeColumnCount, decodeColumnDefinition, encodeColumnCount, encodeColumnDefinition } from './columns.js';
import type { ColumnDefinition } from './columns.js';
import { decodeStmtExecuteHead, decodeStmtPrepareOk, encodeStmtPrepareOk } from './commands.js';
import { decodeEof, decodeErr, decodeOk, encodeEof, encodeErr, encodeOk, isResultSetTerminator, terminatorStatus } from './generic.js';
import { decodeHandshakeResponse41, decodeHandshakeV10, encodeHandshakeResponse41, encodeHandshakeV10, isSslRequest, encodeSslRequest } from './handshake.js';
import { rewriteBinaryRow, rewriteTextRow, scanBinaryRow, scanTextRow } from './rows.js';
import { PayloadWriter } from '../writer.js';

const payloadOf = (packet: Buffer) => new PacketReader().push(packet)[0]!.payload;

const column = (name: string, type: number, orgTable = 'users', characterSet = 45): ColumnDefinition => ({
  catalog: 'def',
  schema: 'app',
  table: 'u',
  orgTable,
  name,
  orgName: name,
  characterSet,
  columnLength: 400,
  type,
  flags: 0,
  decimals: 0,
});

describe('handshake', () => {
  it('round-trips HandshakeV10 with a 20-byte scramble and plugin name', () => {
    const scramble = Buffer.from('abcdefghijklmnopqrst');
    const greeting = decodeHandshakeV10(
      payloadOf(
        encodeHandshakeV10({
          serverVersion: '5.5.5-10.11.6-MariaDB',
          connectionId: 42,
          authPluginData: scramble,
          capabilities: Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH | Capability.SSL | Capability.DEPRECATE_EOF,
          characterSet: 45,
          statusFlags: 2,
          authPluginName: 'caching_sha2_password',
        }),
      ),
    );
    expect(greeting).toMatchObject({ serverVersion: '5.5.5-10.11.6-MariaDB', connectionId: 42, characterSet: 45, statusFlags: 2, authPluginName: 'caching_sha2_password' });
    expect(greeting.authPluginData).toEqual(scramble);
    expect(greeting.capabilities & Capability.DEPRECATE_EOF).toBeTruthy();
  });

  it('round-trips HandshakeResponse41 with database, plugin and connect attributes; tells SSLRequest apart', () => {
    const caps = Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH | Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA;
    const response = decodeHandshakeResponse41(
      payloadOf(
        encodeHandshakeResponse41(
          { capabilities: caps, maxPacketSize: 1 << 24, characterSet: 45, user: 'ana', authResponse: Buffer.from('tok\0'), database: 'app', authPluginName: 'mysql_clear_password', connectAttributes: new Map([['program_name', 'mysql']]) },
          2,
        ),
      ),
    );
    expect(response).toMatchObject({ user: 'ana', database: 'app', authPluginName: 'mysql_clear_password', characterSet: 45 });
    expect(response.authResponse.toString()).toBe('tok\0');
    expect(response.connectAttributes.get('program_name')).toBe('mysql');
    expect(isSslRequest(payloadOf(encodeSslRequest(caps, 1 << 24, 45, 1)))).toBe(true);
    expect(isSslRequest(payloadOf(encodeHandshakeResponse41({ capabilities: caps, maxPacketSize: 0, characterSet: 45, user: 'a', authResponse: Buffer.alloc(0), authPluginName: 'x' }, 1)))).toBe(false);
  });

  it('round-trips AuthSwitchRequest', () => {
    const request = decodeAuthSwitchRequest(payloadOf(encodeAuthSwitchRequest({ pluginName: 'mysql_clear_password', pluginData: Buffer.from('scramble') }, 3)));
    expect(request).toEqual({ pluginName: 'mysql_clear_password', pluginData: Buffer.from('scramble') });
  });
});

describe('generic responses', () => {
  const caps = Capability.PROTOCOL_41 | Capability.TRANSACTIONS;
  it('round-trips OK, ERR and EOF, and reads the status of every terminator form', () => {
    const ok = decodeOk(payloadOf(encodeOk({ affectedRows: 300, lastInsertId: 70000, statusFlags: 0x0a, warnings: 1, info: 'Rows matched: 1' }, 1, caps)), caps);
    expect(ok).toMatchObject({ affectedRows: 300, lastInsertId: 70000, statusFlags: 0x0a, warnings: 1, info: 'Rows matched: 1' });
    expect(decodeErr(payloadOf(encodeErr({ errorCode: 1142, sqlState: '42000', message: 'nope' }, 1)))).toEqual({ errorCode: 1142, sqlState: '42000', message: 'nope' });
    expect(decodeEof(payloadOf(encodeEof({ warnings: 0, statusFlags: 8 }, 4)))).toEqual({ warnings: 0, statusFlags: 8 });
    const deprecated = payloadOf(encodeOk({ statusFlags: 0x08 }, 5, caps | Capability.DEPRECATE_EOF, 0xfe));
    expect(isResultSetTerminator(deprecated, true)).toBe(true);
    expect(terminatorStatus(deprecated, caps | Capability.DEPRECATE_EOF)).toBe(0x08);
    expect(terminatorStatus(payloadOf(encodeEof({ warnings: 0, statusFlags: 0x22 }, 1)), caps)).toBe(0x22);
  });
});

describe('result sets', () => {
  const columns = [column('id', ColumnType.LONG), column('email', ColumnType.VAR_STRING), column('age', ColumnType.LONGLONG), column('born', ColumnType.DATE)];

  it('round-trips column count and ColumnDefinition41 (with org_table and org_name)', () => {
    expect(decodeColumnCount(payloadOf(encodeColumnCount(300, 1)))).toBe(300);
    expect(decodeColumnDefinition(payloadOf(encodeColumnDefinition(columns[1]!, 2)))).toEqual(columns[1]);
  });

  it('scans and rewrites text rows (NULLs and long values included)', () => {
    const long = 'x'.repeat(70_000);
    const row = new PayloadWriter().lenencString('1').lenencString('a@b.c').int1(0xfb).lenencString(long).payload();
    const layout = scanTextRow(row, 4);
    expect(layout.starts[2]).toBe(-1);
    expect(row.toString('utf8', layout.starts[1]!, layout.ends[1]!)).toBe('a@b.c');
    const rewritten = rewriteTextRow(row, layout, new Map([[1, Buffer.from('*****')], [3, null]]));
    const again = scanTextRow(rewritten, 4);
    expect(rewritten.toString('utf8', again.starts[1]!, again.ends[1]!)).toBe('*****');
    expect(again.starts[3]).toBe(-1);
    expect(() => scanTextRow(row.subarray(0, row.length - 1), 4)).toThrow(ProtocolError);
  });

  it('scans and rewrites binary rows: NULL bitmap at offset 2, type-aware lengths', () => {
    const types = columns.map((c) => c.type);
    // id=7, email='a@b.c', age NULL, born=2000-01-02
    const row = new PayloadWriter().int1(0).int1(0b0001_0000).int4(7).lenencString('a@b.c').int1(4).int2(2000).int1(1).int1(2).payload();
    const layout = scanBinaryRow(row, types);
    expect(layout.starts[2]).toBe(-1);
    expect(row.readUInt32LE(layout.starts[0]!)).toBe(7);
    const rewritten = rewriteBinaryRow(row, types, layout, new Map([[1, Buffer.from('x@y')], [0, null]]));
    const again = scanBinaryRow(rewritten, types);
    expect(again.starts[0]).toBe(-1);
    expect(rewritten.toString('utf8', again.starts[1]!, again.ends[1]!)).toBe('x@y');
    expect(rewritten.subarray(again.starts[3]!, again.ends[3]!)).toEqual(Buffer.from([0xd0, 0x07, 1, 2]));
    expect(() => rewriteBinaryRow(row, types, layout, new Map([[3, Buffer.from('no')]]))).toThrow(ProtocolError);
  });

  it('reads a whole result-set response the same way when split at every offset', () => {
    const wire = Buffer.concat([
      encodeColumnCount(2, 1),
      encodeColumnDefinition(columns[0]!, 2),
      encodeColumnDefinition(columns[1]!, 3),
      new PayloadWriter().lenencString('1').lenencString('a@b.c').packet(4),
      new PayloadWriter().lenencString('2').int1(0xfb).packet(5),
      encodeOk({ statusFlags: 2 }, 6, Capability.PROTOCOL_41, 0xfe),
    ]);
    const expected = new PacketReader().push(wire).map(summary);
    expect(expected).toHaveLength(6);
    for (let offset = 0; offset <= wire.length; offset++) expect(feed(new PacketReader(), splitAt(wire, [offset])).map(summary)).toEqual(expected);
  });

  it('round-trips COM_STMT_PREPARE_OK and reads COM_STMT_EXECUTE heads', () => {
    expect(decodeStmtPrepareOk(payloadOf(encodeStmtPrepareOk({ statementId: 9, columnCount: 3, paramCount: 1, warnings: 0 }, 1)))).toEqual({ statementId: 9, columnCount: 3, paramCount: 1, warnings: 0 });
    expect(decodeStmtExecuteHead(new PayloadWriter().int1(0x17).int4(9).int1(1).int4(1).payload())).toEqual({ statementId: 9, flags: 1 });
  });
});

describe('decoders on random payloads (seeded fuzz)', () => {
  const decoders: Array<[string, (payload: Buffer) => unknown]> = [
    ['HandshakeV10', (p) => decodeHandshakeV10(Buffer.concat([Buffer.from([10]), p]))],
    ['HandshakeResponse41', (p) => decodeHandshakeResponse41(p)],
    ['OK', (p) => decodeOk(Buffer.concat([Buffer.from([0]), p]), Capability.PROTOCOL_41 | Capability.SESSION_TRACK)],
    ['ERR', (p) => decodeErr(Buffer.concat([Buffer.from([0xff]), p]))],
    ['ColumnDefinition41', (p) => decodeColumnDefinition(p)],
    ['text row', (p) => scanTextRow(p, 3)],
    ['binary row', (p) => scanBinaryRow(Buffer.concat([Buffer.from([0]), p]), [ColumnType.LONG, ColumnType.VAR_STRING, ColumnType.DATETIME])],
    ['AuthSwitchRequest', (p) => decodeAuthSwitchRequest(Buffer.concat([Buffer.from([0xfe]), p]))],
  ];
  for (const [name, decode] of decoders) {
    it(`${name} throws only ProtocolError`, () => {
      for (let seed = 1; seed <= 500; seed++) {
        const random = prng(seed);
        const payload = random.bytes(random.int(80));
        try {
          decode(payload);
        } catch (error) {
          expect(error, `${name} seed ${seed}`).toBeInstanceOf(ProtocolError);
        }
      }
    });
  }
});
