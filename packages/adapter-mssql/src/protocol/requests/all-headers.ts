import { messageReader } from '../reader.js';
import { TdsWriter } from '../writer.js';

/** ALL_HEADERS header types (MS-TDS 2.2.5.3). */
export const HeaderType = {
  QueryNotifications: 0x0001,
  TransactionDescriptor: 0x0002,
  TraceActivity: 0x0003,
} as const;

export interface AllHeaders {
  /** 8-byte transaction descriptor (0 outside a transaction) and the outstanding request count. */
  readonly transactionDescriptor?: Buffer;
  readonly outstandingRequestCount?: number;
  /** Activity id (16) + sequence (4). */
  readonly traceActivity?: Buffer;
  readonly queryNotifications?: Buffer;
  /** Total bytes of the ALL_HEADERS block (0 when absent). */
  readonly length: number;
}

/** TotalLength (4) + one header: its length (4), type (2), descriptor (8), outstanding requests (4). */
const ONLY_DESCRIPTOR_LENGTH = 22;

/**
 * Reads ALL_HEADERS at the start of a SQLBatch / RPC / TM payload. Every inner length is checked
 * against the total, so a lying header can never shift where the SQL text is taken from.
 */
export function readAllHeaders(payload: Buffer, what: string): AllHeaders {
  // What drivers send with nearly every request: ALL_HEADERS holding only the transaction
  // descriptor (4 + 18 bytes). Read in place; the loop below reads the same bytes the same way.
  if (
    payload.length >= ONLY_DESCRIPTOR_LENGTH &&
    payload.readUInt32LE(0) === ONLY_DESCRIPTOR_LENGTH &&
    payload.readUInt32LE(4) === ONLY_DESCRIPTOR_LENGTH - 4 &&
    payload.readUInt16LE(8) === HeaderType.TransactionDescriptor
  ) {
    return {
      length: ONLY_DESCRIPTOR_LENGTH,
      transactionDescriptor: payload.subarray(10, 18),
      outstandingRequestCount: payload.readUInt32LE(18),
      traceActivity: undefined,
      queryNotifications: undefined,
    };
  }
  const r = messageReader(payload, what);
  const total = r.uint32('ALL_HEADERS TotalLength');
  if (total < 4 || total > payload.length) r.fail(`ALL_HEADERS TotalLength ${total} is outside 4..${payload.length}`);
  let transactionDescriptor: Buffer | undefined;
  let outstandingRequestCount: number | undefined;
  let traceActivity: Buffer | undefined;
  let queryNotifications: Buffer | undefined;
  while (r.pos < total) {
    const start = r.pos;
    const length = r.uint32('header length');
    if (length < 6 || start + length > total) r.fail(`ALL_HEADERS entry length ${length} at ${start} is outside the block`);
    const type = r.uint16('header type');
    if (type === HeaderType.TransactionDescriptor) {
      // Every request carries this one: read in place, one view (the descriptor) rather than two.
      if (length - 6 !== 12) r.fail(`transaction descriptor header has ${length - 6} data bytes; expected 12`);
      transactionDescriptor = r.bytes(8, 'transaction descriptor');
      outstandingRequestCount = r.uint32('outstanding request count');
      continue;
    }
    const data = r.bytes(length - 6, 'header data');
    if (type === HeaderType.TraceActivity) {
      if (data.length !== 20) r.fail(`trace activity header has ${data.length} data bytes; expected 20`);
      traceActivity = data;
    } else if (type === HeaderType.QueryNotifications) {
      queryNotifications = data;
    } else {
      r.fail(`unknown ALL_HEADERS header type ${type}`);
    }
  }
  // One fixed shape (absent headers undefined): read for every request, so no conditional spreads.
  return {
    length: total,
    transactionDescriptor,
    outstandingRequestCount: transactionDescriptor ? (outstandingRequestCount ?? 1) : undefined,
    traceActivity,
    queryNotifications,
  };
}

/** Encodes ALL_HEADERS with a transaction descriptor (and optional trace activity). */
export function encodeAllHeaders(input: { readonly transactionDescriptor?: Buffer; readonly outstandingRequestCount?: number; readonly traceActivity?: Buffer } = {}): Buffer {
  const w = new TdsWriter();
  w.uint32(0);
  w.uint32(18).uint16(HeaderType.TransactionDescriptor).bytes(input.transactionDescriptor ?? Buffer.alloc(8)).uint32(input.outstandingRequestCount ?? 1);
  if (input.traceActivity) w.uint32(26).uint16(HeaderType.TraceActivity).bytes(input.traceActivity);
  const out = w.take();
  out.writeUInt32LE(out.length, 0);
  return out;
}
