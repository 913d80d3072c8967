// Test-only helpers (excluded from the build by tsconfig): seeded randomness and stream feeding.
import { BackendReader } from '../protocol/backend-reader.js';
import type { Frame } from '../protocol/frame.js';
import { FrontendReader } from '../protocol/frontend-reader.js';
export { prng, splitAt, feed } from '@gatehouse/testkit';

/** Comparable summary of a frame: its kind, code and exact bytes. */
export function summary(frame: Frame): string {
  return `${frame.kind}:${frame.code}:${frame.length}:${frame.raw.toString('hex')}|${frame.payload.toString('hex')}`;
}

/** Frames one complete typed client message (for decoder tests). */
export function frontendFrame(message: Buffer): Frame {
  const frames = new FrontendReader({ startup: false }).push(message);
  if (frames.length !== 1) throw new Error(`expected one frame, got ${frames.length}`);
  return frames[0]!;
}

/** Frames one complete startup packet. */
export function startupFrame(message: Buffer): Frame {
  const frames = new FrontendReader().push(message);
  if (frames.length !== 1) throw new Error(`expected one frame, got ${frames.length}`);
  return frames[0]!;
}

/** Frames one complete server message. */
export function backendFrame(message: Buffer): Frame {
  const frames = new BackendReader().push(message);
  if (frames.length !== 1) throw new Error(`expected one frame, got ${frames.length}`);
  return frames[0]!;
}

/** A typed frame built by hand, bypassing the reader's checks (for decoder robustness tests). */
export function rawTypedFrame(code: number, payload: Buffer): Frame {
  const raw = Buffer.alloc(5 + payload.length);
  raw[0] = code;
  raw.writeInt32BE(4 + payload.length, 1);
  payload.copy(raw, 5);
  return { kind: 'typed', code, length: 4 + payload.length, raw, payload: raw.subarray(5) };
}
