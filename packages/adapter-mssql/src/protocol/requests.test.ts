import { describe, expect, it } from 'vitest';
import { DataType, DEFAULT_COLLATION, MAX_LENGTH_PLP } from './data-types.js';
import { encodeAllHeaders, readAllHeaders } from './requests/all-headers.js';
import { decodeRpc, encodeRpc, ProcId, procedureName, summarizeRpc } from './requests/rpc.js';
import { decodeSqlBatch, encodeSqlBatch } from './requests/sql-batch.js';
import { decodeTransactionManager, encodeTransactionManager, TmRequestType } from './requests/transaction-manager.js';
import { decodeValue } from './values.js';

const nvarchar = (length = MAX_LENGTH_PLP) => ({ type: DataType.NVarChar, length, collation: DEFAULT_COLLATION });
const int = { type: DataType.IntN, length: 4 };

describe('requests', () => {
  it('SQLBatch: skips ALL_HEADERS (transaction descriptor, trace activity) and decodes UCS-2 text', () => {
    const descriptor = Buffer.from('0102030405060708', 'hex');
    const batch = decodeSqlBatch(encodeSqlBatch('SELECT N\'ünï\' AS x; -- ☃', { transactionDescriptor: descriptor, traceActivity: Buffer.alloc(20, 1) }));
    expect(batch.text).toBe("SELECT N'ünï' AS x; -- ☃");
    expect(batch.headers.transactionDescriptor).toEqual(descriptor);
    expect(batch.headers.traceActivity).toHaveLength(20);
    expect(batch.headers.length).toBe(4 + 18 + 26);
  });

  it('ALL_HEADERS with only a transaction descriptor (the usual request) reads as any other', () => {
    const descriptor = Buffer.from('1112131415161718', 'hex');
    const only = encodeAllHeaders({ transactionDescriptor: descriptor, outstandingRequestCount: 5 });
    const payload = Buffer.concat([only, Buffer.from('SELECT 1', 'utf16le')]);
    expect(readAllHeaders(payload, 'x')).toEqual({ length: 22, transactionDescriptor: descriptor, outstandingRequestCount: 5, traceActivity: undefined, queryNotifications: undefined });
    // The same descriptor with a trace activity after it takes the general path and agrees on it.
    const traced = readAllHeaders(encodeAllHeaders({ transactionDescriptor: descriptor, outstandingRequestCount: 5, traceActivity: Buffer.alloc(20, 3) }), 'x');
    expect([traced.transactionDescriptor, traced.outstandingRequestCount]).toEqual([descriptor, 5]);
    // A descriptor header claiming more bytes than the block holds is still refused.
    const lying = Buffer.from(payload);
    lying.writeUInt32LE(19, 4);
    expect(() => readAllHeaders(lying, 'x')).toThrow(/outside the block/);
    expect(() => readAllHeaders(only.subarray(0, 21), 'x')).toThrow(/TotalLength/);
  });

  it('SQLBatch: refuses lying header lengths and odd text', () => {
    const good = encodeSqlBatch('SELECT 1');
    const total = Buffer.from(good);
    total.writeUInt32LE(good.length + 10, 0);
    expect(() => decodeSqlBatch(total)).toThrow(expect.objectContaining({ code: 'TDS_MALFORMED' }));
    const inner = Buffer.from(good);
    inner.writeUInt32LE(200, 4);
    expect(() => decodeSqlBatch(inner)).toThrow(/outside the block/);
    expect(() => decodeSqlBatch(Buffer.concat([good, Buffer.from([0x41])]))).toThrow(/odd/);
    expect(() => readAllHeaders(Buffer.from([1, 0]), 'x')).toThrow(/TotalLength/);
  });

  it('RPC: sp_executesql by id gives statement and declarations; values stay bytes', () => {
    const payload = encodeRpc([
      {
        procId: ProcId.ExecuteSql,
        parameters: [
          { name: '', typeInfo: nvarchar(), value: 'SELECT * FROM people WHERE id = @id AND name = @name' },
          { name: '', typeInfo: nvarchar(4000), value: '@id int, @name nvarchar(50)' },
          { name: '@id', typeInfo: int, value: 42 },
          { name: '@name', typeInfo: nvarchar(100), value: 'secret value' },
        ],
      },
    ]);
    const rpc = decodeRpc(payload);
    expect(rpc.calls).toHaveLength(1);
    const summary = summarizeRpc(payload, rpc.calls[0]!);
    expect(summary).toMatchObject({
      procedure: 'sp_executesql',
      statement: 'SELECT * FROM people WHERE id = @id AND name = @name',
      declarations: '@id int, @name nvarchar(50)',
    });
    expect(summary.valueParameters.map((p) => p.name)).toEqual(['@id', '@name']);
    const p = summary.valueParameters[1]!;
    expect(p.value.end - p.value.start).toBe(2 + 24);
    expect(decodeValue(payload, p.value, p.typeInfo)).toBe('secret value');
  });

  it('RPC: prepare/execute/prepexec/unprepare, several calls in one batch, procedures by name', () => {
    const payload = encodeRpc([
      { procId: ProcId.Prepare, parameters: [{ name: '@handle', status: 1, typeInfo: int, value: null }, { name: '@params', typeInfo: nvarchar(4000), value: '@a int' }, { name: '@stmt', typeInfo: nvarchar(4000), value: 'SELECT @a' }, { name: '@options', typeInfo: int, value: 1 }] },
      { procId: ProcId.Execute, parameters: [{ name: '@handle', typeInfo: int, value: 5 }, { name: '@a', typeInfo: int, value: 1 }] },
      { procId: ProcId.PrepExec, parameters: [{ name: '@handle', status: 1, typeInfo: int, value: null }, { name: '', typeInfo: nvarchar(), value: '@a int' }, { name: '', typeInfo: nvarchar(), value: 'SELECT @a + 1' }, { name: '@a', typeInfo: int, value: 2 }] },
      { procId: ProcId.Unprepare, parameters: [{ name: '@handle', typeInfo: int, value: 5 }] },
      { procName: '[sys].[sp_executesql]', parameters: [{ name: '', typeInfo: nvarchar(), value: 'SELECT 2' }] },
      { procName: 'dbo.transfer_funds', parameters: [] },
    ]);
    const rpc = decodeRpc(payload);
    const summaries = rpc.calls.map((c) => summarizeRpc(payload, c));
    expect(summaries.map((s) => s.procedure)).toEqual(['sp_prepare', 'sp_execute', 'sp_prepexec', 'sp_unprepare', 'sp_executesql', 'dbo.transfer_funds']);
    expect(summaries[0]).toMatchObject({ statement: 'SELECT @a', declarations: '@a int' });
    expect(summaries[1]).toMatchObject({ handle: 5 });
    expect(summaries[2]).toMatchObject({ statement: 'SELECT @a + 1' });
    expect(summaries[3]).toMatchObject({ handle: 5 });
    expect(summaries[4]).toMatchObject({ statement: 'SELECT 2' });
    expect(procedureName({ procName: 'master..sp_executesql', optionFlags: 0, parameters: [], start: 0, end: 0 })).toBe('sp_executesql');
    expect(procedureName({ procName: 'evil.sp_executesql', optionFlags: 0, parameters: [], start: 0, end: 0 })).toBe('evil.sp_executesql');
  });

  it('RPC: refuses truncation anywhere', () => {
    const payload = encodeRpc([{ procId: ProcId.ExecuteSql, parameters: [{ name: '', typeInfo: nvarchar(), value: 'SELECT 1' }] }]);
    for (let cut = 23; cut < payload.length; cut++) {
      if (cut === 28) continue; // ALL_HEADERS + a call without parameters is a complete request
      expect(() => decodeRpc(payload.subarray(0, cut))).toThrow(expect.objectContaining({ name: 'ProtocolError' }));
    }
  });

  it('Transaction Manager: begin, commit (with begin), rollback, save', () => {
    const begin = decodeTransactionManager(encodeTransactionManager({ requestType: TmRequestType.Begin, isolationLevel: 2, name: 'tx1' }));
    expect(begin).toMatchObject({ requestType: 5, isolationLevel: 2, name: 'tx1' });
    const commit = decodeTransactionManager(encodeTransactionManager({ requestType: TmRequestType.Commit, name: '', flags: 1, isolationLevel: 4, beginName: 'next' }, Buffer.alloc(8, 1)));
    expect(commit).toMatchObject({ requestType: 7, flags: 1, isolationLevel: 4, beginName: 'next' });
    expect(commit.headers.transactionDescriptor).toEqual(Buffer.alloc(8, 1));
    expect(decodeTransactionManager(encodeTransactionManager({ requestType: TmRequestType.Rollback, name: 'tx1', flags: 0 }))).toMatchObject({ requestType: 8, name: 'tx1' });
    expect(decodeTransactionManager(encodeTransactionManager({ requestType: TmRequestType.Save, name: 'sp1' }))).toMatchObject({ requestType: 9, name: 'sp1' });
    const unknown = encodeTransactionManager({ requestType: TmRequestType.Save, name: 'x' });
    unknown.writeUInt16LE(77, 22);
    expect(() => decodeTransactionManager(unknown)).toThrow(/unknown request type/);
  });
});
