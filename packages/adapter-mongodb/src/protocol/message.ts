/**
 * One complete wire message. `raw` is the whole message as it arrived (header included), so a
 * message the gateway lets through is forwarded with `socket.write(message.raw)` and never
 * re-serialised. `body` is everything after the 16-byte header. Both are views into the chunk that
 * carried the message when it arrived in one piece; do not mutate them.
 */
export interface MongoMessage {
  readonly length: number;
  readonly requestId: number;
  readonly responseTo: number;
  readonly opCode: number;
  readonly raw: Buffer;
  readonly body: Buffer;
}

/** Builds a message view over `buf[start..start+size)`; no copy. */
export function messageAt(buf: Buffer, start: number, size: number): MongoMessage {
  // A chunk that is exactly one message (the usual request and reply) is its own view.
  const raw = start === 0 && size === buf.length ? buf : buf.subarray(start, start + size);
  return new MessageView(raw, buf.readInt32LE(start + 4), buf.readInt32LE(start + 8), buf.readInt32LE(start + 12));
}

/**
 * A message over its bytes. `body` is sliced on first use: the relay path reads OP_MSG sections
 * from `raw` (decodeOpMsg) and forwards `raw`, so most messages never need a second view.
 */
class MessageView implements MongoMessage {
  readonly raw: Buffer;
  readonly requestId: number;
  readonly responseTo: number;
  readonly opCode: number;
  #body: Buffer | undefined;

  constructor(raw: Buffer, requestId: number, responseTo: number, opCode: number) {
    this.raw = raw;
    this.requestId = requestId;
    this.responseTo = responseTo;
    this.opCode = opCode;
  }

  get length(): number {
    return this.raw.length;
  }

  get body(): Buffer {
    return (this.#body ??= this.raw.subarray(16));
  }
}

/** Wraps `body` in a header; the result is one complete message. */
export function encodeMessage(opCode: number, requestId: number, responseTo: number, body: Buffer | readonly Buffer[]): Buffer {
  const parts = Buffer.isBuffer(body) ? [body] : body;
  let size = 16;
  for (const part of parts) size += part.length;
  const out = Buffer.allocUnsafe(size);
  out.writeInt32LE(size, 0);
  out.writeInt32LE(requestId, 4);
  out.writeInt32LE(responseTo, 8);
  out.writeInt32LE(opCode, 12);
  let at = 16;
  for (const part of parts) {
    part.copy(out, at);
    at += part.length;
  }
  return out;
}
