/**
 * How a frame was delimited on the wire:
 * - `typed`: Byte1 code + Int32 length (every message after startup, and everything a server sends);
 * - `startup`: Int32 length + Int32 request code, no type byte (StartupMessage, SSLRequest, GSSENCRequest,
 *   CancelRequest — only as a connection's first packets);
 * - `encryptionResponse`: the lone byte a server answers SSLRequest/GSSENCRequest with ('S', 'G' or 'N').
 * The kind matters because codes overlap: a typed 'S' is ParameterStatus, an encryptionResponse 'S' is
 * "go ahead with TLS".
 */
export type FrameKind = 'typed' | 'startup' | 'encryptionResponse';

/**
 * One complete protocol message. `raw` is the whole message as it arrived (header included), so a
 * message the gateway lets through is forwarded with `socket.write(frame.raw)` and never re-serialised.
 * Both buffers are views into the chunk that carried the message whenever it arrived in one piece;
 * a message that spanned chunks is copied once into its own buffer. Do not mutate them: a view shares
 * memory with its neighbours in the same chunk.
 */
export interface Frame {
  readonly kind: FrameKind;
  /**
   * `typed` / `encryptionResponse`: the message byte (see FrontendCode / BackendCode / EncryptionResponseCode).
   * `startup`: the Int32 request code (see StartupRequestCode; a StartupMessage carries its protocol version).
   */
  readonly code: number;
  /** The Int32 length field as PostgreSQL counts it (includes itself, excludes a type byte); 0 for an encryptionResponse. */
  readonly length: number;
  /** The complete message including header. */
  readonly raw: Buffer;
  /** The message body after the header (after the request code for startup packets). */
  readonly payload: Buffer;
}
