import { ProtocolError, ProtocolErrorCode } from '../../errors.js';
import { EncryptionResponseCode, StartupRequestCode } from '../codes.js';
import { MessageCursor } from '../cursor.js';
import type { Frame } from '../frame.js';
import { MessageWriter } from '../writer.js';

/** StartupMessage: protocol version and the connection parameters (user, database, options, …). */
export interface StartupMessage {
  readonly type: 'startup';
  /** major << 16 | minor; 196608 for 3.0. */
  readonly protocolVersion: number;
  /** In wire order. `user` is the identity the client claims; `_pq_.*` keys are protocol extensions. */
  readonly params: ReadonlyMap<string, string>;
}

export interface SSLRequestMessage {
  readonly type: 'sslRequest';
}

export interface GSSENCRequestMessage {
  readonly type: 'gssencRequest';
}

/** CancelRequest: sent on a fresh connection; the key is 4 bytes in protocol 3.0, up to 256 in 3.2. */
export interface CancelRequestMessage {
  readonly type: 'cancelRequest';
  readonly processId: number;
  /** View of the secret key; compare with `equals`, in constant time where it matters. */
  readonly secretKey: Buffer;
}

export type StartupPacket = StartupMessage | SSLRequestMessage | GSSENCRequestMessage | CancelRequestMessage;

/** The server's one-byte answer to SSLRequest/GSSENCRequest. */
export interface EncryptionResponseMessage {
  readonly type: 'encryptionResponse';
  /** 'S' (go ahead with TLS), 'G' (go ahead with GSS) or 'N' (refused). */
  readonly answer: 'S' | 'G' | 'N';
}

function startupCursor(frame: Frame, name: string): MessageCursor {
  if (frame.kind !== 'startup') {
    throw new ProtocolError(ProtocolErrorCode.WrongFrame, `expected a ${name} startup packet, got a ${frame.kind} frame`);
  }
  return new MessageCursor(frame.payload, name, true);
}

/** Decodes any startup-phase packet, dispatching on its request code. */
export function decodeStartupPacket(frame: Frame): StartupPacket {
  switch (frame.code) {
    case StartupRequestCode.SSLRequest:
      startupCursor(frame, 'SSLRequest').end();
      return { type: 'sslRequest' };
    case StartupRequestCode.GSSENCRequest:
      startupCursor(frame, 'GSSENCRequest').end();
      return { type: 'gssencRequest' };
    case StartupRequestCode.CancelRequest:
      return decodeCancelRequest(frame);
    default:
      return decodeStartupMessage(frame);
  }
}

/**
 * Decodes a StartupMessage. A parameter given twice is refused: the gateway would read one value and
 * the server another (PostgreSQL keeps the last), which is exactly the ambiguity an identity gateway
 * must not have for `user`.
 */
export function decodeStartupMessage(frame: Frame): StartupMessage {
  const cursor = startupCursor(frame, 'StartupMessage');
  if (frame.code >>> 16 !== 3) cursor.fail(`protocol version ${frame.code >>> 16}.${frame.code & 0xffff} is not 3.x`);
  const params = new Map<string, string>();
  for (;;) {
    const name = cursor.cstring('parameter name');
    if (name === '') break;
    const value = cursor.cstring(`value of parameter "${name}"`);
    if (params.has(name)) cursor.fail(`parameter "${name}" appears more than once`);
    params.set(name, value);
  }
  cursor.end();
  return { type: 'startup', protocolVersion: frame.code, params };
}

export function decodeCancelRequest(frame: Frame): CancelRequestMessage {
  if (frame.code !== StartupRequestCode.CancelRequest) {
    throw new ProtocolError(ProtocolErrorCode.WrongFrame, `expected a CancelRequest, got startup code ${frame.code}`);
  }
  const cursor = startupCursor(frame, 'CancelRequest');
  const processId = cursor.int32('process id');
  const secretKey = cursor.rest();
  if (secretKey.length < 4 || secretKey.length > 256) cursor.fail(`secret key is ${secretKey.length} bytes; expected 4..256`);
  return { type: 'cancelRequest', processId, secretKey };
}

export function decodeEncryptionResponse(frame: Frame): EncryptionResponseMessage {
  if (frame.kind !== 'encryptionResponse') {
    throw new ProtocolError(ProtocolErrorCode.WrongFrame, `expected an encryption response, got a ${frame.kind} frame`);
  }
  switch (frame.code) {
    case EncryptionResponseCode.SSLAccepted:
      return { type: 'encryptionResponse', answer: 'S' };
    case EncryptionResponseCode.GSSAccepted:
      return { type: 'encryptionResponse', answer: 'G' };
    case EncryptionResponseCode.Refused:
      return { type: 'encryptionResponse', answer: 'N' };
    default:
      throw new ProtocolError(ProtocolErrorCode.Malformed, `encryption response byte 0x${frame.code.toString(16)} is not 'S', 'G' or 'N'`);
  }
}

/** StartupMessage to the upstream. `params` are written in iteration order; `user` is required by servers. */
export function encodeStartupMessage(
  params: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
  protocolVersion: number = StartupRequestCode.ProtocolVersion3_0,
): Buffer {
  const writer = new MessageWriter().int32(protocolVersion);
  const entries = params instanceof Map ? params.entries() : Object.entries(params);
  for (const [name, value] of entries) {
    if (name === '') throw new ProtocolError(ProtocolErrorCode.Unencodable, 'startup parameter name is empty; an empty name ends the list');
    writer.cstring(name).cstring(value);
  }
  return writer.byte(0).startupFrame();
}

const SSL_REQUEST = new MessageWriter().int32(StartupRequestCode.SSLRequest).startupFrame();
const GSSENC_REQUEST = new MessageWriter().int32(StartupRequestCode.GSSENCRequest).startupFrame();
const SSL_ACCEPTED = Buffer.from([EncryptionResponseCode.SSLAccepted]);
const GSS_ACCEPTED = Buffer.from([EncryptionResponseCode.GSSAccepted]);
const ENCRYPTION_REFUSED = Buffer.from([EncryptionResponseCode.Refused]);

/** SSLRequest (shared buffer: read-only). */
export function encodeSSLRequest(): Buffer {
  return SSL_REQUEST;
}

/** GSSENCRequest (shared buffer: read-only). */
export function encodeGSSENCRequest(): Buffer {
  return GSSENC_REQUEST;
}

/** CancelRequest for the upstream; `secretKey` as received in BackendKeyData. */
export function encodeCancelRequest(processId: number, secretKey: Uint8Array): Buffer {
  if (secretKey.length < 4 || secretKey.length > 256) {
    throw new ProtocolError(ProtocolErrorCode.Unencodable, `cancel secret key is ${secretKey.length} bytes; expected 4..256`);
  }
  return new MessageWriter().int32(StartupRequestCode.CancelRequest).int32(processId).bytes(secretKey).startupFrame();
}

/** The gateway's answer to a client's SSLRequest ('S' or 'N') or GSSENCRequest ('G' or 'N'); shared buffers. */
export function encodeEncryptionResponse(answer: 'S' | 'G' | 'N'): Buffer {
  return answer === 'S' ? SSL_ACCEPTED : answer === 'G' ? GSS_ACCEPTED : ENCRYPTION_REFUSED;
}
