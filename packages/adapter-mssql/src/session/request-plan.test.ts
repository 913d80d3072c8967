import type { Action, Decision } from '@gatehouse/core';
import type { StatementOutcome } from '@gatehouse/proxy';
import { describe, expect, it } from 'vitest';
import { DataType } from '../protocol/data-types.js';
import { assemble, MessageAssembler } from '../protocol/message.js';
import type { Message } from '../protocol/message.js';
import { encodeMessage, PacketType } from '../protocol/packet.js';
import { PacketReader } from '../protocol/packet-reader.js';
import { decodeRpc, encodeRpc, parameterText, ProcId } from '../protocol/requests/rpc.js';
import { decodeSqlBatch, encodeSqlBatch } from '../protocol/requests/sql-batch.js';
import { encodeTransactionManager, TmRequestType } from '../protocol/requests/transaction-manager.js';
import { forwardedRequest, forwardedText } from './forwarded-request.js';
import { PreparedHandles } from './prepared-handles.js';
import { execText, planRequest } from './request-plan.js';
import type { RequestDecider } from './request-plan.js';

const DECISION: Decision = { effect: 'allow', rules: ['r'], reason: 'ok', risk: { score: 0, factors: [] }, obligations: { audit: 'standard' }, observed: [] };
const NVARCHAR = { type: DataType.NVarChar, length: 8000 };

function message(type: number, payload: Buffer, packetSize = 4096): Message {
  const packets = new PacketReader().push(encodeMessage(type, payload, { packetSize }));
  return assemble(new MessageAssembler(), packets)[0]!;
}

function decider(): RequestDecider & { texts: string[]; actions: Action[][] } {
  const texts: string[] = [];
  const actions: Action[][] = [];
  return {
    texts,
    actions,
    decide: (text) => (texts.push(text), { actions: [], decision: DECISION }),
    decideActions: (list) => (actions.push([...list]), { actions: list, decision: DECISION }),
    handles: new PreparedHandles(),
    database: () => 'sales',
  };
}

describe('planRequest', () => {
  it('decides a SQLBatch by its text, and INSERT BULK as a write on its table', () => {
    const d = decider();
    const plan = planRequest(message(PacketType.SqlBatch, encodeSqlBatch('SELECT 1')), d);
    expect(d.texts).toEqual(['SELECT 1']);
    expect(plan.statements[0]!.text).toEqual({ original: 'SELECT 1', slot: { kind: 'batch' } });
    const bulk = planRequest(message(PacketType.SqlBatch, encodeSqlBatch('insert bulk t([a] int)')), d);
    expect(bulk.armsBulkLoad).toBe(true);
    expect(d.actions[0]![0]!.objects[0]!.name).toBe('sales.dbo.t');
  });

  it('refuses a bulk load into a row-filtered table', () => {
    const filtered: Decision = { ...DECISION, obligations: { ...DECISION.obligations, rowFilters: [{ table: '*.*.t' }] as never } };
    const d = { ...decider(), decideActions: (list: readonly Action[]) => ({ actions: list, decision: filtered }) };
    const plan = planRequest(message(PacketType.SqlBatch, encodeSqlBatch('insert bulk t([a] int)')), d);
    expect(plan.refusal).toMatch(/row-filtered/);
    expect(plan.armsBulkLoad).toBeUndefined();
  });

  it('decides sp_executesql by its statement and procedures by name as EXEC', () => {
    const d = decider();
    planRequest(message(PacketType.Rpc, encodeRpc([{ procId: ProcId.ExecuteSql, parameters: [{ name: '@stmt', typeInfo: NVARCHAR, value: 'SELECT @a' }, { name: '@params', typeInfo: NVARCHAR, value: '@a int' }] }])), d);
    planRequest(message(PacketType.Rpc, encodeRpc([{ procName: 'dbo.[do]]this] DROP TABLE x', parameters: [] }])), d);
    // Unbalanced brackets stay inside one quoted identifier: never a second statement.
    expect(d.texts).toEqual(['SELECT @a', 'EXEC [dbo].[[do]]]]this]] DROP TABLE x]']);
  });

  it('runs sp_execute only for a handle prepared through the gateway', () => {
    const d = decider();
    const execute = (handle: number): Buffer => encodeRpc([{ procId: ProcId.Execute, parameters: [{ name: '@handle', typeInfo: { type: DataType.IntN, length: 4 }, value: handle }] }]);
    expect(planRequest(message(PacketType.Rpc, execute(5)), d).refusal).toMatch(/handle 5 was not prepared through the gateway/);
    const outcome: StatementOutcome = { actions: [], decision: DECISION };
    d.handles.register(5, outcome);
    const plan = planRequest(message(PacketType.Rpc, execute(5)), d);
    expect(plan.refusal).toBeUndefined();
    expect(plan.statements[0]!.outcome).toBe(outcome);
  });

  it('marks sp_prepare for handle registration and refuses server cursors', () => {
    const d = decider();
    const prepare = encodeRpc([
      {
        procId: ProcId.Prepare,
        parameters: [
          { name: '@handle', status: 1, typeInfo: { type: DataType.IntN, length: 4 }, value: null },
          { name: '@params', typeInfo: NVARCHAR, value: '' },
          { name: '@stmt', typeInfo: NVARCHAR, value: 'SELECT 2' },
        ],
      },
    ]);
    expect(planRequest(message(PacketType.Rpc, prepare), d)).toMatchObject({ registersHandle: true });
    expect(d.texts).toEqual(['SELECT 2']);
    expect(planRequest(message(PacketType.Rpc, encodeRpc([{ procId: ProcId.CursorOpen, parameters: [] }])), d).refusal).toMatch(/server cursors/);
  });

  it('decides Transaction Manager requests as transaction statements and refuses DTC', () => {
    const d = decider();
    planRequest(message(PacketType.TransactionManager, encodeTransactionManager({ requestType: TmRequestType.Begin, isolationLevel: 0, name: "x'; DROP TABLE y" })), d);
    expect(d.texts).toEqual(['BEGIN TRANSACTION']);
    expect(planRequest(message(PacketType.TransactionManager, encodeTransactionManager({ requestType: TmRequestType.Propagate, name: '', data: Buffer.alloc(4) })), d).refusal).toMatch(/DTC/);
  });

  it('refuses numbered procedure names (sp_executesql;1 would run SQL the gateway never saw)', () => {
    const d = decider();
    expect(planRequest(message(PacketType.Rpc, encodeRpc([{ procName: 'sys.sp_executesql;1', parameters: [{ name: '@stmt', typeInfo: NVARCHAR, value: 'DROP TABLE x' }] }])), d).refusal).toMatch(/";"/);
    expect(d.texts).toEqual([]);
  });

  it('refuses OUTPUT parameters under a mask plan (RETURNVALUE cannot be masked), but not the prepare handle', () => {
    const masked: Decision = { ...DECISION, obligations: { ...DECISION.obligations, mask: { columns: [] } as never } };
    const d = { ...decider(), decide: () => ({ actions: [], decision: masked }) };
    const output = encodeRpc([
      {
        procId: ProcId.ExecuteSql,
        parameters: [
          { name: '@stmt', typeInfo: NVARCHAR, value: 'SELECT @out = email FROM people' },
          { name: '@params', typeInfo: NVARCHAR, value: '@out nvarchar(100) OUTPUT' },
          { name: '@out', status: 1, typeInfo: NVARCHAR, value: null },
        ],
      },
    ]);
    expect(planRequest(message(PacketType.Rpc, output), d).refusal).toMatch(/OUTPUT parameters cannot be masked/);
    const prepare = encodeRpc([
      {
        procId: ProcId.Prepare,
        parameters: [
          { name: '@handle', status: 1, typeInfo: { type: DataType.IntN, length: 4 }, value: null },
          { name: '@params', typeInfo: NVARCHAR, value: '' },
          { name: '@stmt', typeInfo: NVARCHAR, value: 'SELECT email FROM people' },
        ],
      },
    ]);
    expect(planRequest(message(PacketType.Rpc, prepare), d).refusal).toBeUndefined();
  });

  it('bracket-quotes every part of a procedure name', () => {
    expect(execText({ procName: '[sys].[sp_who]', optionFlags: 0, parameters: [], start: 0, end: 0 })).toBe('EXEC [sys].[sp_who]');
  });
});

describe('forwardedRequest', () => {
  it('forwards the client packets verbatim when nothing is replaced', () => {
    const payload = encodeSqlBatch('SELECT 1'.repeat(1000));
    const m = message(PacketType.SqlBatch, payload, 512);
    const plan = planRequest(m, decider());
    expect(forwardedRequest(m, plan, [], 512).equals(encodeMessage(PacketType.SqlBatch, payload, { packetSize: 512 }))).toBe(true);
  });

  it('replaces a SQLBatch text and keeps its ALL_HEADERS', () => {
    const payload = encodeSqlBatch('SELECT 1', { transactionDescriptor: Buffer.from('0102030405060708', 'hex') });
    const m = message(PacketType.SqlBatch, payload);
    const out = forwardedRequest(m, planRequest(m, decider()), [{ slot: { kind: 'batch' }, text: 'SELECT 2 /*x*/' }], 4096);
    const batch = decodeSqlBatch(assemble(new MessageAssembler(), new PacketReader().push(out))[0]!.payload);
    expect(batch.text).toBe('SELECT 2 /*x*/');
    expect(batch.headers.transactionDescriptor?.toString('hex')).toBe('0102030405060708');
  });

  it('replaces the sp_executesql statement and keeps every other parameter', () => {
    const payload = encodeRpc([
      {
        procId: ProcId.ExecuteSql,
        parameters: [
          { name: '@stmt', typeInfo: NVARCHAR, value: 'SELECT @a' },
          { name: '@params', typeInfo: NVARCHAR, value: '@a int' },
          { name: '@a', typeInfo: { type: DataType.IntN, length: 4 }, value: 42 },
        ],
      },
    ]);
    const m = message(PacketType.Rpc, payload);
    const plan = planRequest(m, decider());
    const longer = `SELECT @a WHERE 1 = 1 ${'-- pad\n'.repeat(2000)}`;
    const out = forwardedRequest(m, plan, [{ slot: plan.statements[0]!.text!.slot, text: longer }], 4096);
    const rpc = decodeRpc(assemble(new MessageAssembler(), new PacketReader().push(out))[0]!.payload);
    const call = rpc.calls[0]!;
    expect(parameterText(rpc.payload, call.parameters[0]!)).toBe(longer);
    expect(parameterText(rpc.payload, call.parameters[1]!)).toBe('@a int');
    expect(rpc.payload.readInt32LE(call.parameters[2]!.value.dataStart)).toBe(42);
  });
});

describe('forwardedText', () => {
  it('appends a well-formed traceparent and refuses anything else', () => {
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(forwardedText('SELECT 1', undefined, trace)).toBe(`SELECT 1 /*traceparent='${trace}'*/`);
    expect(forwardedText('SELECT 1', 'SELECT 2', undefined)).toBe('SELECT 2');
    expect(forwardedText('SELECT 1', undefined, "00-x'*/ DROP TABLE y --")).toBeUndefined();
    expect(forwardedText('SELECT 1', undefined, undefined)).toBeUndefined();
  });
});
