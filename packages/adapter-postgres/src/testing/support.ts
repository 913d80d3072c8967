// Test-only helpers (excluded from the build by tsconfig): seeded randomness and stream feeding.
import { BackendReader } from '../protocol/backend-reader.js';
import type { Frame } from '../protocol/frame.js';
import { FrontendReader } from '../protocol/frontend-reader.js';

/** mulberry32: a tiny seeded PRNG so fuzz failures reproduce from the seed in the test name. */
export function prng(seed: number): { next(): number; int(maxExclusive: number): number; bytes(n: number): Buffer } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (maxExclusive: number): number => Math.floor(next() * maxExclusive);
  const bytes = (n: number): Buffer => {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = int(256);
    return out;
  };
  return { next, int, bytes };
}

/** Comparable summary of a frame: its kind, code and exact bytes. */
export function summary(frame: Frame): string {
  return `${frame.kind}:${frame.code}:${frame.length}:${frame.raw.toString('hex')}|${frame.payload.toString('hex')}`;
}

/** Feeds `chunks` to `reader` in order and returns every frame. */
export function feed(reader: { push(chunk: Buffer): Frame[] }, chunks: readonly Buffer[]): Frame[] {
  const frames: Frame[] = [];
  for (const chunk of chunks) frames.push(...reader.push(chunk));
  return frames;
}

/** Splits `buf` at the given sorted offsets. */
export function splitAt(buf: Buffer, offsets: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  for (const offset of offsets) {
    chunks.push(buf.subarray(start, offset));
    start = offset;
  }
  chunks.push(buf.subarray(start));
  return chunks;
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
