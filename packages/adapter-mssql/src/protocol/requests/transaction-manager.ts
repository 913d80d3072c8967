import { messageReader } from '../reader.js';
import { TdsWriter } from '../writer.js';
import { encodeAllHeaders, readAllHeaders } from './all-headers.js';
import type { AllHeaders } from './all-headers.js';

/** Transaction Manager request types (MS-TDS 2.2.7 TRANSACTION MANAGER REQUEST). */
export const TmRequestType = {
  GetDtcAddress: 0,
  Propagate: 1,
  Begin: 5,
  Promote: 6,
  Commit: 7,
  Rollback: 8,
  Save: 9,
} as const;

/** ISOLATION_LEVEL values for TM_BEGIN_XACT. */
export const IsolationLevel = {
  NoChange: 0,
  ReadUncommitted: 1,
  ReadCommitted: 2,
  RepeatableRead: 3,
  Serializable: 4,
  Snapshot: 5,
} as const;

export interface TransactionManagerRequest {
  readonly headers: AllHeaders;
  readonly requestType: number;
  /** Begin: the isolation level; commit/rollback with fBeginXact: the new transaction's level. */
  readonly isolationLevel?: number;
  readonly name: string;
  /** Commit/rollback flags (0x01 fBeginXact: start a new transaction right after). */
  readonly flags?: number;
  readonly beginName?: string;
  /** Propagate/GetDTCAddress payload bytes. */
  readonly data?: Buffer;
}

export function decodeTransactionManager(payload: Buffer): TransactionManagerRequest {
  const headers = readAllHeaders(payload, 'Transaction Manager request');
  const r = messageReader(payload, 'Transaction Manager request', headers.length);
  const requestType = r.uint16('request type');
  switch (requestType) {
    case TmRequestType.Begin: {
      const isolationLevel = r.uint8('isolation level');
      const name = r.bVarchar('transaction name');
      return { headers, requestType, isolationLevel, name };
    }
    case TmRequestType.Commit:
    case TmRequestType.Rollback: {
      const name = r.bVarchar('transaction name');
      const flags = r.uint8('flags');
      if ((flags & 0x01) !== 0) {
        const isolationLevel = r.uint8('new isolation level');
        const beginName = r.bVarchar('new transaction name');
        return { headers, requestType, name, flags, isolationLevel, beginName };
      }
      return { headers, requestType, name, flags };
    }
    case TmRequestType.Save:
      return { headers, requestType, name: r.bVarchar('savepoint name') };
    case TmRequestType.GetDtcAddress:
    case TmRequestType.Propagate:
    case TmRequestType.Promote:
      return { headers, requestType, name: '', data: r.bytes(r.remaining, 'data') };
    default:
      return r.fail(`unknown request type ${requestType}`);
  }
}

export function encodeTransactionManager(request: Omit<TransactionManagerRequest, 'headers'>, transactionDescriptor?: Buffer): Buffer {
  const w = new TdsWriter().uint16(request.requestType);
  if (request.requestType === TmRequestType.Begin) w.uint8(request.isolationLevel ?? 0).bVarchar(request.name);
  else if (request.requestType === TmRequestType.Commit || request.requestType === TmRequestType.Rollback) {
    w.bVarchar(request.name).uint8(request.flags ?? 0);
    if (((request.flags ?? 0) & 1) !== 0) w.uint8(request.isolationLevel ?? 0).bVarchar(request.beginName ?? '');
  } else if (request.requestType === TmRequestType.Save) w.bVarchar(request.name);
  else w.bytes(request.data ?? Buffer.alloc(0));
  return Buffer.concat([encodeAllHeaders(transactionDescriptor ? { transactionDescriptor } : {}), w.take()]);
}
