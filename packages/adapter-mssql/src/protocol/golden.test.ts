// Golden checks: bytes produced by tedious 19 (a real client) decode as the client meant them.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DataType } from './data-types.js';
import { decodeRpc, summarizeRpc } from './requests/rpc.js';
import { decodeSqlBatch } from './requests/sql-batch.js';
import { decodeValue } from './values.js';

const require = createRequire(import.meta.url);
type Payload = Iterable<Buffer>;
const { TYPES } = require('tedious') as { TYPES: Record<string, unknown> };
const RpcRequestPayload = require('tedious/lib/rpcrequest-payload') as new (proc: number | string, params: unknown[], tx: Buffer, options: unknown, collation: unknown) => Payload;
const SqlBatchPayload = require('tedious/lib/sqlbatch-payload') as new (sql: string, tx: Buffer, options: unknown) => Payload;
const OPTIONS = { tdsVersion: '7_4', isolationLevel: 2 };

const param = (name: string, type: string, value: unknown, extra: Record<string, unknown> = {}) => ({ name, type: TYPES[type], value, output: false, ...extra });

describe('golden: tedious 19 request payloads', () => {
  it('SQLBatch: ALL_HEADERS with the transaction descriptor, then the text', () => {
    const tx = Buffer.from('0102030405060708', 'hex');
    const payload = Buffer.concat([...new SqlBatchPayload('SELECT [x] FROM t -- ☃', tx, OPTIONS)]);
    const batch = decodeSqlBatch(payload);
    expect(batch.text).toBe('SELECT [x] FROM t -- ☃');
    expect(batch.headers.transactionDescriptor).toEqual(tx);
  });

  it('sp_executesql: statement, declarations, and typed values as tedious encodes them', () => {
    const params = [
      param('statement', 'NVarChar', 'SELECT * FROM people WHERE id = @id AND email = @email'),
      param('params', 'NVarChar', '@id int, @email nvarchar(4000), @when datetime2(7), @amount decimal(18,2), @blob varbinary(max), @uid uniqueidentifier'),
      param('id', 'Int', 42),
      param('email', 'NVarChar', 'ada@example.com'),
      param('when', 'DateTime2', new Date('2024-02-29T13:14:15.123Z'), { scale: 7 }),
      param('amount', 'Decimal', 1234.56, { precision: 18, scale: 2 }),
      param('blob', 'VarBinary', Buffer.alloc(9000, 3)),
      param('uid', 'UniqueIdentifier', '6F9619FF-8B86-D011-B42D-00C04FC964FF'),
    ];
    const payload = Buffer.concat([...new RpcRequestPayload(10, params, Buffer.alloc(8), OPTIONS, undefined)]);
    const rpc = decodeRpc(payload);
    expect(rpc.calls).toHaveLength(1);
    const summary = summarizeRpc(payload, rpc.calls[0]!);
    expect(summary.procedure).toBe('sp_executesql');
    expect(summary.statement).toBe('SELECT * FROM people WHERE id = @id AND email = @email');
    expect(summary.declarations).toMatch(/^@id int, @email nvarchar/);
    const values = summary.valueParameters.map((p) => [p.name, decodeValue(payload, p.value, p.typeInfo)]);
    expect(values.slice(0, 2)).toEqual([['@id', 42], ['@email', 'ada@example.com']]);
    expect(values[2]![1]).toBe('2024-02-29 13:14:15.1230000');
    expect(values[3]![1]).toBe('1234.56');
    expect((values[4]![1] as Buffer).length).toBe(9000);
    expect(values[5]![1]).toBe('6F9619FF-8B86-D011-B42D-00C04FC964FF');
    expect(summary.valueParameters[4]!.typeInfo).toMatchObject({ type: DataType.BigVarBinary, length: 0xffff });
  });

  it('sp_execute with a handle and output parameters by name', () => {
    const payload = Buffer.concat([...new RpcRequestPayload(12, [param('handle', 'Int', 17), param('a', 'Int', 1)], Buffer.alloc(8), OPTIONS, undefined)]);
    const summary = summarizeRpc(payload, decodeRpc(payload).calls[0]!);
    expect(summary).toMatchObject({ procedure: 'sp_execute', handle: 17 });
    const byName = Buffer.concat([...new RpcRequestPayload('dbo.transfer', [param('amount', 'Int', 5, { output: true })], Buffer.alloc(8), OPTIONS, undefined)]);
    const call = decodeRpc(byName).calls[0]!;
    expect(call.procName).toBe('dbo.transfer');
    expect(call.parameters[0]).toMatchObject({ name: '@amount', status: 1 });
  });
});
