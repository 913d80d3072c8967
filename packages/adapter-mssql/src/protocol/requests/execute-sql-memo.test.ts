import { describe, expect, it } from 'vitest';
import { DataType, DEFAULT_COLLATION } from '../data-types.js';
import { encodeAllHeaders } from './all-headers.js';
import { ExecuteSqlMemo } from './execute-sql-memo.js';
import { decodeRpc, encodeRpc, ProcId, summarizeRpc } from './rpc.js';
import type { RpcCallInput } from './rpc.js';

const nvarchar = (length: number) => ({ type: DataType.NVarChar, length, collation: DEFAULT_COLLATION });
const int = { type: DataType.IntN, length: 4 };
const STATEMENT = 'SELECT id, name FROM accounts WHERE id = @id';

/** tedious's execSql: sp_executesql by id, the statement, its declarations, then the value. */
function executeSql(id: number, statement = STATEMENT): RpcCallInput {
  return {
    procId: ProcId.ExecuteSql,
    parameters: [
      { name: '@statement', typeInfo: nvarchar(8000), value: statement },
      { name: '@params', typeInfo: nvarchar(8000), value: '@id int' },
      { name: '@id', typeInfo: int, value: id },
    ],
  };
}

/** Decodes and summarizes every call, as planRpc does (the memo for the first call only). */
function decide(payload: Buffer, memo?: ExecuteSqlMemo) {
  const rpc = decodeRpc(payload, memo);
  return { rpc, summaries: rpc.calls.map((call, index) => summarizeRpc(payload, call, index === 0 ? memo : undefined)) };
}

/** What a decision sees, without the identity of the objects (a memo hit shares the head's). */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_key, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)));

describe('ExecuteSqlMemo', () => {
  it('a repeated statement with new values decodes to what decoding it afresh gives', () => {
    const memo = new ExecuteSqlMemo();
    for (const id of [1, 2, 70_000, 3]) {
      const payload = encodeRpc([executeSql(id)], Buffer.alloc(8));
      const withMemo = decide(payload, memo);
      expect(plain(withMemo.rpc)).toEqual(plain(decodeRpc(payload)));
      expect(plain(withMemo.summaries)).toEqual(plain(decide(payload).summaries));
      expect(withMemo.summaries[0]!.statement).toBe(STATEMENT);
    }
    const second = encodeRpc([executeSql(9)], Buffer.alloc(8));
    expect(memo.match(second, decodeRpc(second).calls[0]!.start)).toBeDefined();
  });

  it('another statement, other declarations or another ALL_HEADERS length is decoded afresh', () => {
    const memo = new ExecuteSqlMemo();
    decide(encodeRpc([executeSql(1)]), memo);
    const other = encodeRpc([executeSql(1, 'DELETE FROM accounts WHERE id = @id')]);
    expect(decide(other, memo).summaries[0]!.statement).toBe('DELETE FROM accounts WHERE id = @id');
    const declarations = encodeRpc([{ ...executeSql(1), parameters: executeSql(1).parameters.map((p, i) => (i === 1 ? { ...p, value: '@id bigint' } : p)) }]);
    expect(decide(declarations, memo).summaries[0]!.declarations).toBe('@id bigint');
    // Trace activity makes ALL_HEADERS longer: the call starts elsewhere, so nothing is reused.
    const plainPayload = encodeRpc([executeSql(1)]);
    const headers = encodeAllHeaders({ transactionDescriptor: Buffer.alloc(8), traceActivity: Buffer.alloc(20, 7) });
    const traced = Buffer.concat([headers, plainPayload.subarray(plainPayload.readUInt32LE(0))]);
    const decided = decide(traced, memo);
    expect(decided.rpc.headers.length).toBe(headers.length);
    expect(decided.summaries[0]!.statement).toBe(STATEMENT);
  });

  it('value parameter names are reused only when their bytes repeat', () => {
    const memo = new ExecuteSqlMemo();
    const withNames = (...names: string[]): Buffer =>
      encodeRpc([{ ...executeSql(1), parameters: [...executeSql(1).parameters.slice(0, 2), ...names.map((name, i) => ({ name, typeInfo: int, value: i }))] }]);
    for (const names of [['@id'], ['@id'], ['@ix'], ['@id', '@name'], ['@idx', '@name'], ['@ïd', '@naMe'], [''], ['@id']]) {
      const payload = withNames(...names);
      const decoded = decide(payload, memo);
      expect(decoded.rpc.calls[0]!.parameters.slice(2).map((p) => p.name)).toEqual(names);
      expect(plain(decoded.rpc)).toEqual(plain(decodeRpc(payload)));
    }
  });

  it('a call appended after a remembered head is still decoded and summarized', () => {
    const memo = new ExecuteSqlMemo();
    decide(encodeRpc([executeSql(1)]), memo);
    const smuggled = encodeRpc([executeSql(2), executeSql(3, 'DROP TABLE accounts')]);
    const { rpc, summaries } = decide(smuggled, memo);
    expect(rpc.calls).toHaveLength(2);
    expect(summaries.map((summary) => summary.statement)).toEqual([STATEMENT, 'DROP TABLE accounts']);
    expect(plain(rpc)).toEqual(plain(decodeRpc(smuggled)));
  });

  it('a head whose values are malformed still fails as a malformed message', () => {
    const memo = new ExecuteSqlMemo();
    decide(encodeRpc([executeSql(1)]), memo);
    const truncated = encodeRpc([executeSql(2)]).subarray(0, -2);
    expect(() => decodeRpc(truncated, memo)).toThrow(expect.objectContaining({ code: 'TDS_MALFORMED' }));
  });

  it('remembers only sp_executesql by id', () => {
    const memo = new ExecuteSqlMemo();
    const byName = encodeRpc([{ ...executeSql(1), procId: undefined, procName: 'sp_executesql' }]);
    decide(byName, memo);
    expect(memo.match(byName, decodeRpc(byName).calls[0]!.start)).toBeUndefined();
  });
});
