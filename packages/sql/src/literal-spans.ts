/**
 * Where a one-pass literal-shape scan (DialectModule.scanLiteralShape) found the statement and its
 * literals. One instance is reused for every scan, so a scan allocates nothing.
 */
export class LiteralSpans {
  /** The statement's first and past-its-last token offsets in the text. */
  start = 0;
  end = 0;
  /** How many literals; literal k is text[bounds[2k], bounds[2k + 1]). */
  count = 0;
  #bounds = new Int32Array(32);

  reset(start: number): void {
    this.start = start;
    this.end = start;
    this.count = 0;
  }

  add(literalStart: number, literalEnd: number): void {
    if (2 * this.count + 2 > this.#bounds.length) {
      const grown = new Int32Array(this.#bounds.length * 2);
      grown.set(this.#bounds);
      this.#bounds = grown;
    }
    this.#bounds[2 * this.count] = literalStart;
    this.#bounds[2 * this.count + 1] = literalEnd;
    this.count++;
  }

  /** Where literal k starts in the text. */
  literalStart(k: number): number {
    return this.#bounds[2 * k]!;
  }

  /** Where literal k ends (exclusive). */
  literalEnd(k: number): number {
    return this.#bounds[2 * k + 1]!;
  }

  /** The statement as written with every literal replaced by `?`: its redacted text. */
  redacted(text: string): string {
    let redacted = '';
    let copied = this.start;
    for (let k = 0; k < this.count; k++) {
      redacted += text.slice(copied, this.#bounds[2 * k]) + '?';
      copied = this.#bounds[2 * k + 1]!;
    }
    return redacted + text.slice(copied, this.end);
  }

  /** The text between the literals (the redacted text split at its literals' `?`s). */
  segments(text: string): string[] {
    const segments: string[] = [];
    let copied = this.start;
    for (let k = 0; k < this.count; k++) {
      segments.push(text.slice(copied, this.#bounds[2 * k]));
      copied = this.#bounds[2 * k + 1]!;
    }
    segments.push(text.slice(copied, this.end));
    return segments;
  }

  /**
   * Whether the redacted text would be the one split into `segments` (the text between its `?`s),
   * checked in place, without building it.
   */
  redactsTo(text: string, segments: readonly string[]): boolean {
    if (segments.length !== this.count + 1) return false;
    let at = this.start;
    for (let k = 0; k < this.count; k++) {
      const segment = segments[k]!;
      if (this.#bounds[2 * k] !== at + segment.length || !text.startsWith(segment, at)) return false;
      at = this.#bounds[2 * k + 1]!;
    }
    const last = segments[this.count]!;
    return this.end === at + last.length && text.startsWith(last, at);
  }
}
