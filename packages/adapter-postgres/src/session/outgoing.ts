import type { Frame } from '../protocol/frame.js';
import { TypedFrame } from '../protocol/push-reader.js';

/** What the relay queues for one side: messages it made, and frames it forwards as they arrived. */
export type Outgoing = Buffer | Frame;

/**
 * The bytes to write, in order, with every run that is contiguous in memory as one Buffer: frames
 * forwarded unchanged usually sit back to back in the chunk they arrived in, so a batch goes out
 * as one write, and such a frame never needs a view of its own. A run that is a whole chunk (every
 * message of it passed on unchanged, the usual case) is written as that very chunk.
 */
export function coalesceOutgoing(items: readonly Outgoing[]): Buffer[] {
  const out: Buffer[] = [];
  let memory: ArrayBufferLike | undefined;
  let runStart = 0;
  let runEnd = 0;
  /** A Buffer that is exactly the run if it ends as it began: the made message, or the frames' chunk. */
  let whole: Buffer | undefined;
  for (const item of items) {
    let bytes: Buffer;
    let offset: number;
    let length: number;
    if (item instanceof TypedFrame) {
      bytes = item.source;
      offset = bytes.byteOffset + item.start;
      length = item.size;
    } else {
      bytes = item instanceof Uint8Array ? item : item.raw;
      offset = bytes.byteOffset;
      length = bytes.length;
    }
    if (memory !== undefined && bytes.buffer === memory && offset === runEnd) {
      runEnd += length;
      continue;
    }
    if (memory !== undefined) out.push(runBuffer(memory, runStart, runEnd, whole));
    memory = bytes.buffer;
    runStart = offset;
    runEnd = offset + length;
    whole = bytes;
  }
  if (memory !== undefined) out.push(runBuffer(memory, runStart, runEnd, whole));
  return out;
}

/** `whole` itself when the run covers exactly its bytes, else a new view of the run. */
function runBuffer(memory: ArrayBufferLike, start: number, end: number, whole: Buffer | undefined): Buffer {
  if (whole !== undefined && whole.byteOffset === start && whole.length === end - start) return whole;
  return Buffer.from(memory, start, end - start);
}
