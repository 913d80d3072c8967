import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { canonicalJson } from '../canonical-json.js';
import type { SealedAuditEvent } from '../events/event-types.js';
import type { AuditForwarder } from '../writer/audit-writer.js';

export interface JsonlSinkOptions {
  /** Append to this file; or give `stream` (e.g. process.stdout). */
  readonly path?: string;
  readonly stream?: Writable;
}

/**
 * One sealed event per line, for a SIEM (Splunk, Elastic, Loki …). Lines carry seq, prevHash and
 * hash, so the receiving side can check the chain too. Events arrive after the store committed
 * them, in seq order per gateway process. write() resolves when the OS has the lines, so a slow
 * consumer slows the writer instead of growing a buffer.
 */
export class JsonlSink implements AuditForwarder {
  readonly #stream: Writable;
  readonly #owned: boolean;

  constructor(options: JsonlSinkOptions) {
    if (options.stream) {
      this.#stream = options.stream;
      this.#owned = false;
    } else if (options.path !== undefined) {
      this.#stream = createWriteStream(options.path, { flags: 'a', mode: 0o600 });
      this.#owned = true;
    } else {
      this.#stream = process.stdout;
      this.#owned = false;
    }
  }

  async write(events: readonly SealedAuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    const text = events.map((event) => `${canonicalJson(event)}\n`).join('');
    await new Promise<void>((resolve, reject) => {
      // The callback fires once the chunk is handed to the OS: that is the back-pressure.
      this.#stream.write(text, (error) => (error ? reject(error) : resolve()));
    });
  }

  async close(): Promise<void> {
    if (!this.#owned) return;
    await new Promise<void>((resolve, reject) => this.#stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}
