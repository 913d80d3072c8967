import { openFrame } from '../cursor.js';
import type { Frame } from '../frame.js';

/** Decodes a body-less typed message (Sync, ParseComplete, …): anything in the body is malformed. */
export function expectEmpty(frame: Frame, code: number, name: string): void {
  openFrame(frame, 'typed', code, name, false).end();
}

/**
 * A body-less typed message, built once. Encoders return this shared Buffer rather than a new one per
 * call (they are written per statement on the hot path); callers must treat it as read-only.
 */
export function constantMessage(code: number): Buffer {
  const buf = Buffer.alloc(5);
  buf[0] = code;
  buf.writeInt32BE(4, 1);
  return buf;
}
