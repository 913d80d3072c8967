import type { Action } from '@gatehouse/core';
import type { StatementOutcome } from '@gatehouse/proxy';
import type { Message } from '../protocol/message.js';
import { PacketType } from '../protocol/packet.js';
import type { AllHeaders } from '../protocol/requests/all-headers.js';
import type { ExecuteSqlMemo } from '../protocol/requests/execute-sql-memo.js';
import { decodeRpc, ParamStatus, procedureName, ProcId, summarizeRpc } from '../protocol/requests/rpc.js';
import type { RpcCall, RpcRequest } from '../protocol/requests/rpc.js';
import { decodeSqlBatch } from '../protocol/requests/sql-batch.js';
import { decodeTransactionManager, TmRequestType } from '../protocol/requests/transaction-manager.js';
import { insertBulkAction, parseInsertBulk } from './insert-bulk.js';
import type { PreparedHandles } from './prepared-handles.js';

/** What turning a request into decisions needs from the session. */
export interface RequestDecider {
  decide(text: string): StatementOutcome;
  decideActions(actions: readonly Action[]): StatementOutcome;
  readonly handles: PreparedHandles;
  /** The session's last sp_executesql head: a repeated statement is not decoded again. */
  readonly executeSqlMemo?: ExecuteSqlMemo;
  /** The database the session is in now (ENVCHANGE follows USE). */
  database(): string | undefined;
}

/** Where a decided statement's text sits in the request, so it can be replaced (row filters, trace context). */
export type TextSlot = { readonly kind: 'batch' } | { readonly kind: 'rpc-parameter'; readonly call: number; readonly parameter: number };

export interface PlannedStatement {
  readonly outcome: StatementOutcome;
  /** The client's statement text and where it is; absent when nothing in the request can carry a replacement. */
  readonly text?: { readonly original: string; readonly slot: TextSlot };
}

/** One client request, decided: what the gate is asked about, and what the response must teach the session. */
export interface RequestPlan {
  readonly kind: 'batch' | 'rpc' | 'transaction';
  /** Decided statements, in order; every one must pass the gate for the request to be forwarded. */
  readonly statements: readonly PlannedStatement[];
  /** Refused before any decision (an unknown prepared handle, a server cursor): the ERROR 229 text. */
  readonly refusal?: string;
  /** sp_prepare / sp_prepexec: the handle in the response's RETURNVALUE runs under statements[0]'s outcome. */
  readonly registersHandle?: boolean;
  /** sp_unprepare: the handle to forget once forwarded. */
  readonly releasesHandle?: number;
  /** An INSERT BULK: the BULK LOAD data that follows may be forwarded if this is. */
  readonly armsBulkLoad?: boolean;
  readonly rpc?: RpcRequest;
  /** SQLBatch: the ALL_HEADERS length (the text starts after it). */
  readonly headersLength?: number;
  /** The request runs inside the client's transaction (a non-zero ALL_HEADERS transaction descriptor). */
  readonly inTransaction?: boolean;
}

/** Server cursors and sp_prepexecrpc run SQL the gateway would have to follow across calls: refused. */
const UNSUPPORTED_PROC_IDS = new Set<number>([
  ProcId.Cursor,
  ProcId.CursorOpen,
  ProcId.CursorPrepare,
  ProcId.CursorExecute,
  ProcId.CursorPrepExec,
  ProcId.CursorUnprepare,
  ProcId.CursorFetch,
  ProcId.CursorOption,
  ProcId.CursorClose,
  ProcId.PrepExecRpc,
]);
const UNSUPPORTED_PROCEDURES = new Set(['sp_cursor', 'sp_cursoropen', 'sp_cursorprepare', 'sp_cursorexecute', 'sp_cursorprepexec', 'sp_cursorunprepare', 'sp_cursorfetch', 'sp_cursoroption', 'sp_cursorclose', 'sp_prepexecrpc']);

/** TM requests as the statements they stand for; names stay out of the text (no client text is decided). */
const TM_STATEMENTS: Record<number, string> = {
  [TmRequestType.Begin]: 'BEGIN TRANSACTION',
  [TmRequestType.Commit]: 'COMMIT TRANSACTION',
  [TmRequestType.Rollback]: 'ROLLBACK TRANSACTION',
  [TmRequestType.Save]: 'SAVE TRANSACTION gatehouse_savepoint',
};

/** Decides one request message (SQLBatch, RPC or Transaction Manager). Throws ProtocolError on malformed payloads. */
export function planRequest(message: Message, decider: RequestDecider): RequestPlan {
  switch (message.type) {
    case PacketType.SqlBatch:
      return planBatch(message.payload, decider);
    case PacketType.Rpc:
      return planRpc(message.payload, decider);
    case PacketType.TransactionManager: {
      const request = decodeTransactionManager(message.payload);
      const text = TM_STATEMENTS[request.requestType];
      if (text === undefined) return { kind: 'transaction', statements: [], refusal: 'gatehouse: distributed transactions (DTC) are not supported through the gateway' };
      return { kind: 'transaction', statements: [{ outcome: decider.decide(text) }] };
    }
    default:
      throw new TypeError(`planRequest: packet type ${message.type} is not a request`);
  }
}

function planBatch(payload: Buffer, decider: RequestDecider): RequestPlan {
  const batch = decodeSqlBatch(payload);
  const bulkTable = parseInsertBulk(batch.text);
  if (bulkTable) {
    // Decided as a write on its table: the BULK LOAD rows that follow are that write's data.
    const outcome = decider.decideActions([insertBulkAction(bulkTable, decider.database())]);
    if ((outcome.decision.obligations.rowFilters?.length ?? 0) > 0) {
      // Rows written must satisfy the principal's row filters, and bulk rows cannot be checked here.
      return { kind: 'batch', statements: [{ outcome }], refusal: 'gatehouse: bulk load into a row-filtered table is refused (its rows cannot be checked against the filter)', headersLength: batch.headers.length };
    }
    return { kind: 'batch', statements: [{ outcome }], armsBulkLoad: true, headersLength: batch.headers.length };
  }
  return {
    kind: 'batch',
    statements: [{ outcome: decider.decide(batch.text), text: { original: batch.text, slot: { kind: 'batch' } } }],
    headersLength: batch.headers.length,
    inTransaction: inTransaction(batch.headers),
  };
}

/** A transaction descriptor other than all zeros: the client is inside a transaction. */
function inTransaction(headers: AllHeaders): boolean {
  const descriptor = headers.transactionDescriptor;
  if (descriptor === undefined) return false;
  for (let i = 0; i < descriptor.length; i++) if (descriptor[i] !== 0) return true;
  return false;
}

function planRpc(payload: Buffer, decider: RequestDecider): RequestPlan {
  const memo = decider.executeSqlMemo;
  const rpc = decodeRpc(payload, memo);
  const statements: PlannedStatement[] = [];
  let registersHandle = false;
  let releasesHandle: number | undefined;
  for (let index = 0; index < rpc.calls.length; index++) {
    const call = rpc.calls[index]!;
    const summary = summarizeRpc(payload, call, index === 0 ? memo : undefined);
    const procedure = summary.procedure;
    if ((call.procId !== undefined && UNSUPPORTED_PROC_IDS.has(call.procId)) || UNSUPPORTED_PROCEDURES.has(procedure)) {
      return refusedRpc(rpc, `gatehouse: ${procedure} (server cursors) is not supported through the gateway`);
    }
    switch (procedure) {
      case 'sp_executesql':
      case 'sp_prepare':
      case 'sp_prepexec': {
        if (summary.statement === undefined) return refusedRpc(rpc, `gatehouse: ${procedure} without a statement text is refused`);
        const parameter = procedure === 'sp_executesql' ? 0 : 2;
        statements.push({ outcome: decider.decide(summary.statement), text: { original: summary.statement, slot: { kind: 'rpc-parameter', call: index, parameter } } });
        if (procedure !== 'sp_executesql') {
          if (rpc.calls.length > 1) return refusedRpc(rpc, `gatehouse: ${procedure} must be the only call of its RPC request`);
          registersHandle = true;
        }
        break;
      }
      case 'sp_execute': {
        const outcome = decider.handles.lookup(summary.handle);
        if (!outcome) return refusedRpc(rpc, `gatehouse: prepared statement handle ${summary.handle ?? 'NULL'} was not prepared through the gateway on this connection`);
        statements.push({ outcome });
        break;
      }
      case 'sp_unprepare':
        if (rpc.calls.length > 1) return refusedRpc(rpc, 'gatehouse: sp_unprepare must be the only call of its RPC request');
        releasesHandle = summary.handle;
        break;
      default: {
        if (call.procId !== undefined) return refusedRpc(rpc, `gatehouse: procedure id ${call.procId} is not supported through the gateway`);
        // `name;1` (numbered procedures) and control characters: the server's reading of the name
        // could differ from the classifier's (e.g. `sp_executesql;1` runs SQL the gateway never saw).
        if (hasUnsafeNameCharacter(call.procName ?? '')) return refusedRpc(rpc, 'gatehouse: procedure names with ";" or control characters are refused');
        statements.push({ outcome: decider.decide(execText(call)) });
      }
    }
  }
  if (statements.some((statement) => statement.outcome.decision.obligations.mask) && hasValueOutputParameter(rpc)) {
    // RETURNVALUE tokens carry no column lineage, so a masked column read into an OUTPUT parameter
    // would come back unmasked: under a mask plan such calls are refused rather than let through.
    return refusedRpc(rpc, 'gatehouse: OUTPUT parameters cannot be masked, and this statement returns masked columns; read them as a result set instead');
  }
  // One fixed shape for every RPC plan: this runs per request, and conditional spreads are slow.
  return { kind: 'rpc', statements, rpc, registersHandle, releasesHandle, inTransaction: inTransaction(rpc.headers) };
}

/** An RPC request refused before it is forwarded (a plain function: no closure per request). */
function refusedRpc(rpc: RpcRequest, refusal: string): RequestPlan {
  return { kind: 'rpc', statements: [], refusal, rpc };
}

/** `;` (numbered procedures) or a control character anywhere in a procedure name. */
function hasUnsafeNameCharacter(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code === 0x3b || code < 0x20) return true;
  }
  return false;
}

/** An OUTPUT parameter other than a prepared-statement handle (sp_prepare / sp_prepexec's first). */
function hasValueOutputParameter(rpc: RpcRequest): boolean {
  return rpc.calls.some((call) => {
    const handleFirst = ['sp_prepare', 'sp_prepexec'].includes(procedureName(call));
    return call.parameters.some((parameter, index) => (parameter.status & ParamStatus.ByRefValue) !== 0 && !(handleFirst && index === 0));
  });
}

/**
 * A call of a procedure by name, as the statement the classifier reads: `EXEC [part].[part]`, each
 * part bracket-quoted so no name can smuggle in another statement.
 */
export function execText(call: RpcCall): string {
  const parts = (call.procName ?? '').split('.').map((part) => part.trim().replace(/^\[(.*)\]$/s, '$1').replace(/^"(.*)"$/s, '$1'));
  return `EXEC ${parts.map((part) => `[${part.replace(/\]/g, ']]')}]`).join('.')}`;
}

