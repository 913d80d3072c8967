import { createHmac } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { KeyMemo } from './key-memo.js';
import { Sha256Compressor } from './sha256-compressor.js';

const BLOCK = 64;
/** Room before the value for an ASCII prefix ("0:", "1:" …), written right-aligned against it. */
const PREFIX_ROOM = 16;
/**
 * Values up to this many UTF-8 bytes go through the pure-JS compression (one block per 64 bytes);
 * longer ones through node:crypto, whose native compression wins once its fixed per-call cost
 * (object + native calls, ~1.5 µs) is spread over a few blocks. Also bounds the scratch buffer.
 */
const MAX_INLINE_BYTES = 256;
/** SHA-256 padding adds 1 to 64 bytes plus the 8-byte length. */
const PADDING_ROOM = BLOCK + 8;

/**
 * Working buffers shared by every instance: `mac` is synchronous and finishes with them before it
 * returns, so one set per process is enough and compiling a plan allocates almost nothing.
 */
const compressor = new Sha256Compressor();
const encoder = new TextEncoder();
const scratch = new Uint8Array(PREFIX_ROOM + MAX_INLINE_BYTES + PADDING_ROOM);
const scratchView = new DataView(scratch.buffer);
/** Where the value's UTF-8 goes; encodeInto stops at its end, which is how long values are spotted. */
const valueArea = scratch.subarray(PREFIX_ROOM, PREFIX_ROOM + MAX_INLINE_BYTES);
/** The outer message: inner digest (32 bytes), then fixed padding for a 64 + 32-byte message. */
const outerBlock = new Uint8Array(BLOCK);
const outerView = new DataView(outerBlock.buffer);
outerBlock[32] = 0x80;
outerView.setUint32(BLOCK - 4, (BLOCK + 32) * 8);

interface PadStates {
  readonly inner: Uint32Array;
  readonly outer: Uint32Array;
}

/** Pad states per key: two compressions and a few allocations saved on every plan compilation. */
const padStateMemo = new KeyMemo<PadStates>(32);

function padStates(key: string | Uint8Array): PadStates {
  return padStateMemo.get(key, (k) => {
    const keyBytes = typeof k === 'string' ? encoder.encode(k) : k;
    const pad = new Uint8Array(BLOCK);
    pad.set(keyBytes.length > BLOCK ? sha256(keyBytes) : keyBytes);
    const states = { inner: padState(pad, 0x36), outer: padState(pad, 0x5c) };
    pad.fill(0);
    return states;
  });
}

/**
 * Keyed HMAC-SHA256 (RFC 2104) for many short messages: the key's inner and outer pad blocks are
 * compressed once, so a message of up to 55 bytes costs two compressions and allocates no buffer.
 * Results are bit-identical to `createHmac('sha256', key).update(prefix).update(value, 'utf8')`.
 */
export class HmacSha256 {
  /** The last MAC as 8 big-endian words; overwritten by the next call. */
  readonly digest = new Uint32Array(8);
  private readonly innerState: Uint32Array;
  private readonly outerState: Uint32Array;

  constructor(private readonly key: string | Uint8Array) {
    ({ inner: this.innerState, outer: this.outerState } = padStates(key));
  }

  /** HMAC of `prefix` (ASCII) followed by `value` as UTF-8; the result is in `digest`. */
  mac(prefix: string, value: string): Uint32Array {
    // UTF-8 never has fewer bytes than UTF-16 code units, so this rules out long values before encoding.
    if (value.length > MAX_INLINE_BYTES) return this.macNative(prefix, value);
    const start = writePrefix(prefix);
    if (start < 0) return this.macNative(prefix, value);
    const { read, written } = encoder.encodeInto(value, valueArea);
    if (read < value.length) {
      scratch.fill(0, start, PREFIX_ROOM + written);
      return this.macNative(prefix, value);
    }
    return this.macScratch(start, written);
  }

  /**
   * HMAC of `prefix` (ASCII) followed by `value`'s bytes as they are: the wire path's text values,
   * hashed without decoding them to a string. Equals `mac(prefix, s)` when `value` is the UTF-8 of s.
   */
  macBytes(prefix: string, value: Uint8Array): Uint32Array {
    const written = value.length;
    if (written > MAX_INLINE_BYTES) return this.macNative(prefix, value);
    const start = writePrefix(prefix);
    if (start < 0) return this.macNative(prefix, value);
    // A plain loop: cheaper than TypedArray#set across buffers at these lengths.
    for (let i = 0; i < written; i++) scratch[PREFIX_ROOM + i] = value[i]!;
    return this.macScratch(start, written);
  }

  /** Pads and hashes scratch[start, PREFIX_ROOM + written), then wipes it. */
  private macScratch(start: number, written: number): Uint32Array {
    const p = PREFIX_ROOM - start;
    const messageEnd = PREFIX_ROOM + written;
    const end = start + ((p + written + 8) & ~(BLOCK - 1)) + BLOCK;
    scratch[messageEnd] = 0x80;
    for (let i = messageEnd + 1; i < end - 4; i++) scratch[i] = 0;
    scratchView.setUint32(end - 4, (BLOCK + p + written) * 8);

    const { digest } = this;
    compressor.restore(this.innerState);
    compressor.compress(scratchView, start, end);
    compressor.save(digest);
    for (let i = 0; i < 8; i++) outerView.setUint32(i * 4, digest[i]!);
    compressor.restore(this.outerState);
    compressor.compress(outerView, 0, BLOCK);
    compressor.save(digest);

    // The buffers outlive the call: leave no value bytes (or the inner digest) behind.
    for (let i = start; i < end; i++) scratch[i] = 0;
    for (let i = 0; i < 32; i++) outerBlock[i] = 0;
    return digest;
  }

  private macNative(prefix: string, value: string | Uint8Array): Uint32Array {
    const hmac = createHmac('sha256', this.key).update(prefix);
    const mac = (typeof value === 'string' ? hmac.update(value, 'utf8') : hmac.update(value)).digest();
    for (let i = 0; i < 8; i++) this.digest[i] = mac.readUInt32BE(i * 4);
    return this.digest;
  }
}

/** Writes an ASCII prefix right-aligned before the value area; its start, or -1 if it does not fit or is not ASCII. */
function writePrefix(prefix: string): number {
  const p = prefix.length;
  if (p > PREFIX_ROOM) return -1;
  const start = PREFIX_ROOM - p;
  for (let i = 0; i < p; i++) {
    const c = prefix.charCodeAt(i);
    if (c >= 0x80) {
      scratch.fill(0, start, start + i);
      return -1;
    }
    scratch[start + i] = c;
  }
  return start;
}

/** Compresses one key-pad block (key XOR `xor`) from the SHA-256 IV; returns the chaining state. */
function padState(pad: Uint8Array, xor: number): Uint32Array {
  const block = pad.map((byte) => byte ^ xor);
  const fresh = new Sha256Compressor();
  const state = new Uint32Array(8);
  fresh.compress(new DataView(block.buffer), 0, BLOCK);
  fresh.save(state);
  block.fill(0);
  return state;
}
