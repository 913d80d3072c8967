import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { StartupRequestCode } from './codes.js';
import type { Frame } from './frame.js';
import { FRONTEND_LENGTH_RULES } from './message-rules.js';
import { PushReader, typedFrame, typedFrameSize } from './push-reader.js';

/**
 * Default cap on one client message: 16 MiB. Generous for SQL text and bind parameters of OLTP
 * traffic, small enough that a few hundred connections cannot exhaust memory with announced-but-huge
 * messages. Bulk loads of large bytea parameters need it raised (PostgreSQL itself allows 1 GiB).
 */
export const DEFAULT_FRONTEND_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** PostgreSQL's own cap on a startup packet (MAX_STARTUP_PACKET_LENGTH). */
export const DEFAULT_MAX_STARTUP_BYTES = 10_000;

const SPECIAL_REQUEST_MAJOR = 1234;
const MIN_CANCEL_KEY_BYTES = 4;
const MAX_CANCEL_KEY_BYTES = 256;

export interface FrontendReaderOptions {
  /** Largest typed message accepted, as its length field counts (default 16 MiB). */
  readonly maxMessageBytes?: number;
  /** Largest startup packet accepted (default 10,000 bytes, as the server). */
  readonly maxStartupBytes?: number;
  /** Start in the startup phase (default true). False reads typed messages from the first byte. */
  readonly startup?: boolean;
}

/** Which framing the frontend stream is in. */
export type FrontendPhase = 'startup' | 'typed';

/**
 * Client → server framing. A connection opens with untyped startup packets (Int32 length + Int32 code):
 * any number of SSLRequest/GSSENCRequest, then a StartupMessage — after which every message is typed —
 * or a CancelRequest, after which the stream must be silent.
 *
 * After an SSLRequest or GSSENCRequest the reader pauses: the bytes that follow belong either to a TLS
 * handshake (a different stream; check `bufferedBytes === 0`, then start a fresh reader on the
 * decrypted stream) or, if the gateway answered 'N', to the same plaintext stream (`resume()`).
 */
export class FrontendReader extends PushReader {
  /** Largest typed message accepted, as its length field counts. */
  readonly maxMessageBytes: number;
  private readonly maxStartupBytes: number;
  protected readonly maxHeldBytes: number;
  private currentPhase: FrontendPhase;

  constructor(options: FrontendReaderOptions = {}) {
    super();
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_FRONTEND_MAX_MESSAGE_BYTES;
    this.maxStartupBytes = options.maxStartupBytes ?? DEFAULT_MAX_STARTUP_BYTES;
    this.maxHeldBytes = this.maxStartupBytes;
    this.currentPhase = options.startup === false ? 'typed' : 'startup';
  }

  get phase(): FrontendPhase {
    return this.currentPhase;
  }

  /**
   * Continues on the same plaintext stream after the gateway refused SSL/GSS encryption ('N'),
   * returning the frames among the bytes held meanwhile. A no-op when not paused.
   */
  resume(): Frame[] {
    return this.resumeParsing();
  }

  protected headerBytes(): number {
    // A startup packet is sized by its Int32 length alone; its code is checked once it is complete
    // (it is at most maxStartupBytes, so waiting for it costs little).
    return this.currentPhase === 'startup' ? 4 : 5;
  }

  protected frameSize(buf: Buffer, at: number): number {
    if (this.currentPhase === 'typed') {
      return typedFrameSize(buf, at, FRONTEND_LENGTH_RULES, this.maxMessageBytes, 'frontend');
    }
    const length = buf.readInt32BE(at);
    if (length < 8) {
      throw new ProtocolError(
        ProtocolErrorCode.BadLength,
        `startup packet has length ${length}; it needs at least 8 bytes (length + request code)`,
      );
    }
    if (length > this.maxStartupBytes) {
      throw new ProtocolError(
        ProtocolErrorCode.MessageTooLarge,
        `startup packet announces ${length} bytes, above the limit of ${this.maxStartupBytes} (maxStartupBytes)`,
      );
    }
    return length;
  }

  protected makeFrame(buf: Buffer, start: number, size: number): Frame {
    if (this.currentPhase === 'typed') return typedFrame(buf, start, size);
    const code = buf.readInt32BE(start + 4);
    checkStartupPacket(code, size);
    const frame: Frame = {
      kind: 'startup',
      code,
      length: size,
      raw: buf.subarray(start, start + size),
      payload: buf.subarray(start + 8, start + size),
    };
    if (code === StartupRequestCode.SSLRequest || code === StartupRequestCode.GSSENCRequest) this.pause();
    else if (code === StartupRequestCode.CancelRequest) this.end();
    else this.currentPhase = 'typed';
    return frame;
  }
}

/** Validates a complete startup packet's request code against its size. */
function checkStartupPacket(code: number, size: number): void {
  switch (code) {
    case StartupRequestCode.SSLRequest:
    case StartupRequestCode.GSSENCRequest:
      if (size !== 8) {
        throw new ProtocolError(ProtocolErrorCode.BadLength, `encryption request has length ${size}; expected exactly 8`);
      }
      return;
    case StartupRequestCode.CancelRequest: {
      const keyBytes = size - 12;
      if (keyBytes < MIN_CANCEL_KEY_BYTES || keyBytes > MAX_CANCEL_KEY_BYTES) {
        throw new ProtocolError(
          ProtocolErrorCode.BadLength,
          `CancelRequest has length ${size}; its secret key must be ${MIN_CANCEL_KEY_BYTES}..${MAX_CANCEL_KEY_BYTES} bytes`,
        );
      }
      return;
    }
    default: {
      const major = code >>> 16;
      const minor = code & 0xffff;
      if (major === 3) return;
      if (major === SPECIAL_REQUEST_MAJOR) {
        throw new ProtocolError(ProtocolErrorCode.UnknownMessage, `unknown startup request code ${major}.${minor} (${code})`);
      }
      throw new ProtocolError(
        ProtocolErrorCode.UnknownMessage,
        `unsupported frontend protocol ${major}.${minor}: only protocol 3.x is spoken`,
      );
    }
  }
}
