import { ProtocolError, ProtocolErrorCode } from '../../errors.js';
import { BackendCode, FrontendCode, TransactionStatus } from '../codes.js';
import { openFrame } from '../cursor.js';
import type { Frame } from '../frame.js';
import { TypedFrame } from '../push-reader.js';
import { MessageWriter } from '../writer.js';
import { constantMessage, expectEmpty } from './common.js';

export interface ParameterStatusMessage {
  readonly type: 'parameterStatus';
  readonly name: string;
  readonly value: string;
}

/** BackendKeyData ('K'): what a client needs to cancel this session's queries later. */
export interface BackendKeyDataMessage {
  readonly type: 'backendKeyData';
  readonly processId: number;
  /** 4 bytes in protocol 3.0; 4..256 bytes in 3.2. A view. */
  readonly secretKey: Buffer;
}

export interface ReadyForQueryMessage {
  readonly type: 'readyForQuery';
  readonly status: TransactionStatus;
}

/** NotificationResponse ('A'): a NOTIFY delivered to this session. */
export interface NotificationResponseMessage {
  readonly type: 'notification';
  readonly processId: number;
  readonly channel: string;
  readonly payload: string;
}

/** NegotiateProtocolVersion ('v'): the server speaks an older minor version or ignored some `_pq_.` options. */
export interface NegotiateProtocolVersionMessage {
  readonly type: 'negotiateProtocolVersion';
  readonly newestMinorVersion: number;
  readonly unrecognizedOptions: readonly string[];
}

export interface TerminateMessage {
  readonly type: 'terminate';
}

export function decodeParameterStatus(frame: Frame): ParameterStatusMessage {
  const cursor = openFrame(frame, 'typed', BackendCode.ParameterStatus, 'ParameterStatus', false);
  const name = cursor.cstring('parameter name');
  const value = cursor.cstring('parameter value');
  cursor.end();
  return { type: 'parameterStatus', name, value };
}

export function encodeParameterStatus(name: string, value: string): Buffer {
  return new MessageWriter().cstring(name).cstring(value).frame(BackendCode.ParameterStatus);
}

export function decodeBackendKeyData(frame: Frame): BackendKeyDataMessage {
  const cursor = openFrame(frame, 'typed', BackendCode.BackendKeyData, 'BackendKeyData', false);
  const processId = cursor.int32('process id');
  const secretKey = cursor.rest();
  if (secretKey.length < 4 || secretKey.length > 256) cursor.fail(`secret key is ${secretKey.length} bytes; expected 4..256`);
  return { type: 'backendKeyData', processId, secretKey };
}

/**
 * BackendKeyData for a client. The gateway should hand out its own key (not the upstream's) and map a
 * later CancelRequest back to the upstream session, so a client can only cancel its own queries.
 */
export function encodeBackendKeyData(processId: number, secretKey: Uint8Array): Buffer {
  if (secretKey.length < 4 || secretKey.length > 256) {
    throw new ProtocolError(ProtocolErrorCode.Unencodable, `cancel secret key is ${secretKey.length} bytes; expected 4..256`);
  }
  return new MessageWriter().int32(processId).bytes(secretKey).frame(BackendCode.BackendKeyData);
}

/** The three well-formed ReadyForQuery messages by status byte, shared (read-only). */
const READY_MESSAGES: Readonly<Record<number, ReadyForQueryMessage>> = {
  73: Object.freeze({ type: 'readyForQuery', status: TransactionStatus.Idle }),
  84: Object.freeze({ type: 'readyForQuery', status: TransactionStatus.InTransaction }),
  69: Object.freeze({ type: 'readyForQuery', status: TransactionStatus.Failed }),
};

export function decodeReadyForQuery(frame: Frame): ReadyForQueryMessage {
  // Every response ends with one: a well-formed frame is read in place, without a cursor or a message object.
  if (frame instanceof TypedFrame && frame.code === BackendCode.ReadyForQuery && frame.size === 6) {
    const message = READY_MESSAGES[frame.source[frame.start + 5]!];
    if (message !== undefined) return message;
  }
  const cursor = openFrame(frame, 'typed', BackendCode.ReadyForQuery, 'ReadyForQuery', false);
  const status = String.fromCharCode(cursor.byte('transaction status'));
  cursor.end();
  if (status !== TransactionStatus.Idle && status !== TransactionStatus.InTransaction && status !== TransactionStatus.Failed) {
    return cursor.fail(`transaction status ${JSON.stringify(status)} is not 'I', 'T' or 'E'`);
  }
  return { type: 'readyForQuery', status };
}

const READY = {
  I: new MessageWriter().string('I').frame(BackendCode.ReadyForQuery),
  T: new MessageWriter().string('T').frame(BackendCode.ReadyForQuery),
  E: new MessageWriter().string('E').frame(BackendCode.ReadyForQuery),
} as const satisfies Record<TransactionStatus, Buffer>;

/** ReadyForQuery (shared buffers: read-only). */
export function encodeReadyForQuery(status: TransactionStatus): Buffer {
  const message = READY[status];
  if (message === undefined) throw new ProtocolError(ProtocolErrorCode.Unencodable, `transaction status ${JSON.stringify(status)} is not 'I', 'T' or 'E'`);
  return message;
}

export function decodeNotificationResponse(frame: Frame): NotificationResponseMessage {
  const cursor = openFrame(frame, 'typed', BackendCode.NotificationResponse, 'NotificationResponse', false);
  const processId = cursor.int32('process id');
  const channel = cursor.cstring('channel');
  const payload = cursor.cstring('payload');
  cursor.end();
  return { type: 'notification', processId, channel, payload };
}

export function encodeNotificationResponse(processId: number, channel: string, payload: string): Buffer {
  return new MessageWriter().int32(processId).cstring(channel).cstring(payload).frame(BackendCode.NotificationResponse);
}

export function decodeNegotiateProtocolVersion(frame: Frame): NegotiateProtocolVersionMessage {
  const cursor = openFrame(frame, 'typed', BackendCode.NegotiateProtocolVersion, 'NegotiateProtocolVersion', false);
  const newestMinorVersion = cursor.int32('newest minor version');
  const count = cursor.int32('unrecognized option count');
  if (count < 0) cursor.fail(`unrecognized option count is negative (${count})`);
  // Each option is at least its NUL, so a count beyond the remaining bytes is a lie; refusing it up
  // front keeps the loop bounded by the message size.
  if (count > cursor.remaining) cursor.fail(`claims ${count} options in ${cursor.remaining} bytes`);
  const unrecognizedOptions: string[] = [];
  for (let i = 0; i < count; i++) unrecognizedOptions.push(cursor.cstring(`option ${i + 1}`));
  cursor.end();
  return { type: 'negotiateProtocolVersion', newestMinorVersion, unrecognizedOptions };
}

export function encodeNegotiateProtocolVersion(newestMinorVersion: number, unrecognizedOptions: readonly string[]): Buffer {
  const writer = new MessageWriter().int32(newestMinorVersion).int32(unrecognizedOptions.length);
  for (const option of unrecognizedOptions) writer.cstring(option);
  return writer.frame(BackendCode.NegotiateProtocolVersion);
}

export function decodeTerminate(frame: Frame): TerminateMessage {
  expectEmpty(frame, FrontendCode.Terminate, 'Terminate');
  return { type: 'terminate' };
}

const TERMINATE = constantMessage(FrontendCode.Terminate);

/** Terminate (shared buffer: read-only). */
export function encodeTerminate(): Buffer {
  return TERMINATE;
}
