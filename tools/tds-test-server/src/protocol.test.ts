import { DataType, decodeValue, DoneStatus, encodeMessage, encodeRpc, encodeSqlBatch, PacketType, ProcId } from '@gatehouse/adapter-mssql';
import type { Token } from '@gatehouse/adapter-mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTdsTestServer } from './server.js';
import type { TdsTestServer } from './server.js';
import { RawClient } from './testing/raw-client.js';

let server: TdsTestServer;
beforeAll(async () => {
  server = await startTdsTestServer({ users: { sa: 'Passw0rd!' } });
  server.execute('CREATE TABLE t (id INT NOT NULL, name NVARCHAR(20))');
  server.execute("INSERT INTO t VALUES (1, N'one'), (2, NULL)");
});
afterAll(async () => {
  await server?.stop();
});

const nvarchar = { type: DataType.NVarChar, length: 0xffff, collation: Buffer.from([9, 4, 0xd0, 0, 0x34]) };
const int = { type: DataType.IntN, length: 4 };
const kinds = (tokens: readonly Token[]) => tokens.map((t) => t.kind);

describe('TDS test server protocol behaviour (raw codec client)', () => {
  it('sp_prepexec returns rows and the handle; sp_execute reuses it; an unknown handle is error 8179', async () => {
    const c = await RawClient.login(server.port);
    c.send(PacketType.Rpc, encodeRpc([{ procId: ProcId.PrepExec, parameters: [
      { name: '@handle', status: 1, typeInfo: int, value: null },
      { name: '', typeInfo: nvarchar, value: '@id int' },
      { name: '', typeInfo: nvarchar, value: 'SELECT name FROM t WHERE id = @id' },
      { name: '@id', typeInfo: int, value: 1 },
    ] }]));
    const tokens = await c.tokens();
    expect(kinds(tokens)).toEqual(['colmetadata', 'row', 'doneinproc', 'returnvalue', 'returnstatus', 'doneproc']);
    const rv = tokens[3]!;
    const handle = rv.kind === 'returnvalue' ? (decodeValue(rv.raw, rv.value, rv.typeInfo) as number) : -1;
    c.send(PacketType.Rpc, encodeRpc([{ procId: ProcId.Execute, parameters: [{ name: '', typeInfo: int, value: handle }, { name: '@id', typeInfo: int, value: 2 }] }]));
    expect(kinds(await c.tokens())).toEqual(['colmetadata', 'nbcrow', 'doneinproc', 'returnstatus', 'doneproc']);
    c.send(PacketType.Rpc, encodeRpc([{ procId: ProcId.Execute, parameters: [{ name: '', typeInfo: int, value: 999 }] }]));
    const missing = await c.tokens();
    expect(missing[0]).toMatchObject({ kind: 'error', number: 8179 });
    c.close();
  });

  it('an RPC batch of two calls answers two DONEPROCs, the first with MORE; unknown procedures are 2812', async () => {
    const c = await RawClient.login(server.port);
    c.send(PacketType.Rpc, encodeRpc([
      { procId: ProcId.ExecuteSql, parameters: [{ name: '', typeInfo: nvarchar, value: 'SELECT 1 AS a' }] },
      { procName: 'dbo.nope', parameters: [] },
    ]));
    const tokens = await c.tokens();
    const procs = tokens.filter((t) => t.kind === 'doneproc');
    expect(procs).toHaveLength(2);
    expect(procs[0]!.kind === 'doneproc' && procs[0]!.status & DoneStatus.More).toBeTruthy();
    expect(tokens.find((t) => t.kind === 'error')).toMatchObject({ number: 2812 });
    c.close();
  });

  it('Attention with nothing running is acknowledged at once; IGNOREd messages get no answer', async () => {
    const c = await RawClient.login(server.port);
    const ignored = Buffer.from(encodeMessage(PacketType.SqlBatch, encodeSqlBatch('SELECT 1')));
    ignored[1] = ignored[1]! | 0x02;
    c.socket.write(ignored);
    c.send(PacketType.Attention, Buffer.alloc(0));
    const ack = await c.tokens();
    expect(ack).toMatchObject([{ kind: 'done', status: DoneStatus.Attention }]);
    c.close();
  });

  it('NOCOUNT ON drops the DONE count bit; batches report counts otherwise', async () => {
    const c = await RawClient.login(server.port);
    c.send(PacketType.SqlBatch, encodeSqlBatch('SET NOCOUNT ON; SELECT id FROM t; SET NOCOUNT OFF; SELECT id FROM t'));
    const dones = (await c.tokens()).filter((t) => t.kind === 'done');
    expect(dones.map((d) => d.kind === 'done' && [d.status & DoneStatus.Count, d.rowCount])).toEqual([[0, 0n], [0, 2n], [0, 0n], [DoneStatus.Count, 2n]]);
    c.close();
  });

  it('a malformed packet closes that connection; others keep working', async () => {
    const bad = await RawClient.login(server.port);
    const good = await RawClient.login(server.port);
    const packet = Buffer.from(encodeMessage(PacketType.SqlBatch, encodeSqlBatch('SELECT 1')));
    packet[1] = 0x40;
    bad.socket.write(packet);
    await expect(bad.next()).rejects.toThrow(/closed/);
    good.send(PacketType.SqlBatch, encodeSqlBatch('SELECT 3 AS x'));
    expect(kinds(await good.tokens())).toEqual(['colmetadata', 'row', 'done']);
    good.close();
  });
});
