import type { Frame } from '../protocol/frame.js';
import { TypedFrame } from '../protocol/push-reader.js';

/** What the relay queues for one side: messages it made, and frames it forwards as they arrived. */
export type Outgoing = Buffer | Frame;

/**
 * The bytes to write, in order, with every run that is contiguous in memory as one Buffer: frames
 * forwarded unchanged usually sit back to back in the chunk they arrived in, so a batch goes out
 * as one write, and such a frame never needs a view of its own.
 */
export function coalesceOutgoing(items: readonly Outgoing[]): Buffer[] {
  const out: Buffer[] = [];
  let memory: ArrayBufferLike | undefined;
  let runStart = 0;
  let runEnd = 0;
  /** The run's only item, when it is a Buffer already (no new view needed). */
  let alone: Buffer | undefined;
  let count = 0;
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
    if (count > 0 && bytes.buffer === memory && offset === runEnd) {
      runEnd += length;
      count++;
      continue;
    }
    if (count > 0) out.push(count === 1 && alone !== undefined ? alone : Buffer.from(memory!, runStart, runEnd - runStart));
    memory = bytes.buffer;
    runStart = offset;
    runEnd = offset + length;
    count = 1;
    alone = item instanceof TypedFrame ? undefined : bytes;
  }
  if (count > 0) out.push(count === 1 && alone !== undefined ? alone : Buffer.from(memory!, runStart, runEnd - runStart));
  return out;
}
