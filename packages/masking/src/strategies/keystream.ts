import type { HmacSha256 } from './hmac-sha256.js';

/** Bytes per HMAC-SHA256 block of keystream. */
const BLOCK_BYTES = 32;

/**
 * The format-preserving keystream of one value: block b is HMAC(key, "b:" + value), read byte by
 * byte. Blocks are computed only when a byte is asked for, so values with nothing to substitute
 * cost no HMAC at all.
 */
export class Keystream {
  private value: string | Uint8Array = '';
  private block = -1;
  private used = BLOCK_BYTES;
  private words: Uint32Array | undefined;

  constructor(private readonly hmac: HmacSha256) {}

  /** A string is hashed as UTF-8; bytes as they are (they must be the UTF-8 of the same text to match). */
  reset(value: string | Uint8Array): void {
    this.value = value;
    this.block = -1;
    this.used = BLOCK_BYTES;
    this.words = undefined;
  }

  next(): number {
    if (this.used === BLOCK_BYTES) {
      this.block++;
      const prefix = this.block === 0 ? '0:' : `${this.block}:`;
      const { value } = this;
      this.words = typeof value === 'string' ? this.hmac.mac(prefix, value) : this.hmac.macBytes(prefix, value);
      this.used = 0;
    }
    const at = this.used++;
    return (this.words![at >>> 2]! >>> (24 - 8 * (at & 3))) & 0xff;
  }
}
