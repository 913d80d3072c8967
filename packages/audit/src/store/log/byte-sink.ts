/** Bytes a sink starts with; it grows to the largest batch it has seen… */
const INITIAL_BYTES = 256 * 1024;
/** …and starts over from INITIAL_BYTES when that was more than this (one huge batch need not stay in memory). */
const KEPT_BYTES = 8 * 1024 * 1024;

/** Batches laid out so far, by every sink: a generation names one batch's bytes in one sink. */
let batches = 0;

/**
 * A growable buffer that a batch of log records is laid out in, then written with one write.
 * Text goes straight into it: building a record's body as one string first cost more than the
 * encoding (V8 copies a concatenated string once more to flatten it before it can be encoded or
 * hashed). Reused from batch to batch: a batch's bytes are garbage once they are written.
 */
export class ByteSink {
  /** The bytes; `length` of them are written. Replaced (contents kept) when the sink grows. */
  bytes: Buffer;
  length = 0;
  /** Changes with every clear(), unique across sinks: offsets remembered from another generation point at other bytes. */
  generation = ++batches;

  constructor(initialBytes = INITIAL_BYTES) {
    this.bytes = Buffer.allocUnsafe(initialBytes);
  }

  /** Starts a new batch (the previous one's bytes may be overwritten from here on). */
  clear(): void {
    if (this.bytes.length > KEPT_BYTES) this.bytes = Buffer.allocUnsafe(INITIAL_BYTES);
    this.length = 0;
    this.generation = ++batches;
  }

  /** Makes room for `count` more bytes. */
  reserve(count: number): void {
    const needed = this.length + count;
    if (needed <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.bytes.length * 2));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  /** Any text, as UTF-8. */
  text(value: string): void {
    // A UTF-16 code unit never takes more than 3 bytes of UTF-8.
    this.reserve(value.length * 3);
    this.length += this.bytes.write(value, this.length, 'utf8');
  }

  /** `"value"` for a string that needs no JSON escaping (see canonical-json.ts). */
  quoted(value: string): void {
    this.reserve(value.length * 3 + 2);
    const bytes = this.bytes;
    bytes[this.length] = 0x22;
    const end = this.length + 1 + bytes.write(value, this.length + 1, 'utf8');
    bytes[end] = 0x22;
    this.length = end + 1;
  }

  /** A non-negative safe integer's decimal digits, without making a string of them. */
  digits(value: number): void {
    let count = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) count++;
    this.reserve(count);
    const bytes = this.bytes;
    let at = this.length + count;
    this.length = at;
    let rest = value;
    do {
      bytes[--at] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    } while (rest > 0);
  }

  raw(value: Uint8Array): void {
    this.reserve(value.length);
    this.bytes.set(value, this.length);
    this.length += value.length;
  }

  /** Bytes this batch already holds (from `start` to `end`), again at the end. */
  again(start: number, end: number): void {
    this.reserve(end - start);
    this.bytes.copyWithin(this.length, start, end);
    this.length += end - start;
  }
}
