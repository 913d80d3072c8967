import { _SHA256 } from '@noble/hashes/sha2.js';

/**
 * SHA-256's compression function from @noble/hashes, with the chaining state exposed so HMAC can
 * start from precomputed pad states and run only the blocks a value needs. noble keeps `process`
 * and the state words protected; a subclass is the supported way to reach them. Framing (padding,
 * length) is the caller's; the tests check every result against node:crypto.
 */
export class Sha256Compressor extends _SHA256 {
  /** Sets the chaining state (8 words, e.g. a pad state saved earlier). */
  restore(state: Uint32Array): void {
    this.A = state[0]! | 0;
    this.B = state[1]! | 0;
    this.C = state[2]! | 0;
    this.D = state[3]! | 0;
    this.E = state[4]! | 0;
    this.F = state[5]! | 0;
    this.G = state[6]! | 0;
    this.H = state[7]! | 0;
  }

  /** Compresses the 64-byte blocks of view[offset, end); end - offset must be a multiple of 64. */
  compress(view: DataView, offset: number, end: number): void {
    for (let at = offset; at < end; at += 64) this.process(view, at);
  }

  /** Copies the chaining state (after the last block: the digest as big-endian words) into `out`. */
  save(out: Uint32Array): void {
    out[0] = this.A;
    out[1] = this.B;
    out[2] = this.C;
    out[3] = this.D;
    out[4] = this.E;
    out[5] = this.F;
    out[6] = this.G;
    out[7] = this.H;
  }

  /** Zeroes noble's shared message schedule, which holds words of the last block. */
  wipeSchedule(): void {
    this.roundClean();
  }
}
