import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { EncryptionResponseCode, describeCode } from './codes.js';
import type { Frame } from './frame.js';
import { BACKEND_LENGTH_RULES } from './message-rules.js';
import { PushReader, typedFrame, typedFrameSize } from './push-reader.js';

/**
 * Default cap on one server message: 64 MiB. A DataRow is one message, so this is also the widest row
 * the gateway will relay; PostgreSQL allows values up to 1 GiB, so deployments with huge bytea/text
 * values must raise it (memory per connection grows with it only while such a row is in flight).
 */
export const DEFAULT_BACKEND_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Nothing may legitimately follow an encryption answer before the handshake; hold at most this much. */
const MAX_HELD_BYTES = 64 * 1024;

export interface BackendReaderOptions {
  /** Largest message accepted, as its length field counts (default 64 MiB). */
  readonly maxMessageBytes?: number;
}

/** What the gateway asked for, which decides which answer bytes are legal. */
export type EncryptionRequestKind = 'ssl' | 'gss';

/**
 * Server → client framing: always typed messages, except the single byte a server answers an
 * SSLRequest/GSSENCRequest with. Call `expectEncryptionResponse()` before sending the request; the next
 * byte is then returned as an `encryptionResponse` frame and the reader pauses. On 'S'/'G' the TLS/GSS
 * handshake follows on this socket (check `bufferedBytes === 0` — anything else is injected plaintext —
 * and read the decrypted stream with a fresh reader); on 'N' call `resume()`.
 */
export class BackendReader extends PushReader {
  /** Largest message accepted, as its length field counts. */
  readonly maxMessageBytes: number;
  protected readonly maxHeldBytes = MAX_HELD_BYTES;
  private pendingEncryption: EncryptionRequestKind | undefined;

  constructor(options: BackendReaderOptions = {}) {
    super();
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_BACKEND_MAX_MESSAGE_BYTES;
  }

  /** The next byte from the server answers the SSLRequest/GSSENCRequest the gateway is about to send. */
  expectEncryptionResponse(kind: EncryptionRequestKind): void {
    if (this.bufferedBytes > 0) {
      throw new ProtocolError(
        ProtocolErrorCode.UnexpectedData,
        `server sent ${this.bufferedBytes} byte(s) before the encryption request was answered`,
      );
    }
    this.pendingEncryption = kind;
  }

  /** Continues reading typed messages after an 'N' answer; returns frames among held bytes. */
  resume(): Frame[] {
    return this.resumeParsing();
  }

  protected headerBytes(): number {
    return this.pendingEncryption === undefined ? 5 : 1;
  }

  protected frameSize(buf: Buffer, at: number): number {
    if (this.pendingEncryption === undefined) {
      return typedFrameSize(buf, at, BACKEND_LENGTH_RULES, this.maxMessageBytes, 'backend');
    }
    const answer = buf[at]!;
    const accepted =
      this.pendingEncryption === 'ssl' ? EncryptionResponseCode.SSLAccepted : EncryptionResponseCode.GSSAccepted;
    if (answer !== accepted && answer !== EncryptionResponseCode.Refused) {
      // Only pre-7.x servers answer with an ErrorResponse; anything else is a confused or hostile peer.
      throw new ProtocolError(
        ProtocolErrorCode.UnknownMessage,
        `server answered the ${this.pendingEncryption.toUpperCase()} request with ${describeCode(answer)}; expected ${describeCode(accepted)} or 'N'`,
      );
    }
    return 1;
  }

  protected makeFrame(buf: Buffer, start: number, size: number): Frame {
    if (this.pendingEncryption === undefined) return typedFrame(buf, start, size);
    this.pendingEncryption = undefined;
    this.pause();
    return {
      kind: 'encryptionResponse',
      code: buf[start]!,
      length: 0,
      raw: buf.subarray(start, start + 1),
      payload: buf.subarray(start + 1, start + 1),
    };
  }
}
