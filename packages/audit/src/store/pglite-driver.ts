import { closeSync, fsyncSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { CopyingQueryable, SqlDriver } from './sql-driver.js';

export interface PgliteDriverOptions {
  readonly dataDir: string;
  /**
   * fsync the write-ahead log after each commit (default true). PGlite runs PostgreSQL with
   * fsync=off over a WASM filesystem that writes straight to OS files: a commit survives the
   * gateway being killed, but only an fsync makes it survive a power cut.
   */
  readonly fsync?: boolean;
}

/** PostgreSQL in WASM, in-process, on a data directory: the embedded default store. */
export class PgliteDriver implements SqlDriver {
  readonly #db: PGlite;
  readonly #walDir: string;
  readonly #fsync: boolean;
  #segment: string | undefined;

  private constructor(db: PGlite, options: PgliteDriverOptions) {
    this.#db = db;
    this.#walDir = join(options.dataDir, 'pg_wal');
    this.#fsync = options.fsync ?? true;
  }

  static async open(options: PgliteDriverOptions): Promise<PgliteDriver> {
    const db = await PGlite.create(options.dataDir, { relaxedDurability: false });
    return new PgliteDriver(db, options);
  }

  async query<R extends object>(text: string, params?: readonly unknown[]): Promise<readonly R[]> {
    return (await this.#db.query<R>(text, params ? [...params] : undefined)).rows;
  }

  transaction<T>(fn: (tx: CopyingQueryable) => Promise<T>): Promise<T> {
    return this.#db.transaction((tx) =>
      fn({
        query: async <R extends object>(text: string, params?: readonly unknown[]) => (await tx.query<R>(text, params ? [...params] : undefined)).rows,
        // PGlite hands COPY … FROM '/dev/blob' the blob's bytes.
        copyFrom: async (table: string, columns: readonly string[], rows: string) => {
          await tx.query(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'`, undefined, { blob: new Blob([rows]) });
        },
      }),
    );
  }

  /** Makes every commit so far durable: fsyncs each WAL segment written since the last call. */
  async afterCommit(): Promise<void> {
    if (!this.#fsync) return;
    // The segment holding the end of the WAL (the commit just written). Not the newest file by
    // name: checkpoints recycle old segments into pre-allocated files with future names.
    const [row] = (await this.#db.query<{ segment: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS segment')).rows;
    const current = row?.segment;
    if (current === undefined || !WAL_SEGMENT.test(current)) return;
    const from = this.#segment ?? current;
    // Commits not synced yet (async batches) or one large commit may have crossed a segment switch.
    const written = from === current ? [current] : readdirSync(this.#walDir).filter((name) => WAL_SEGMENT.test(name) && name >= from && name <= current);
    for (const segment of written) fsyncPath(join(this.#walDir, segment));
    if (current !== this.#segment) {
      // A new segment file: its directory entry must be durable too.
      fsyncPath(this.#walDir);
      this.#segment = current;
    }
  }

  /** Syncs what async appends left unsynced, then closes. */
  async close(): Promise<void> {
    await this.afterCommit().catch(() => undefined);
    await this.#db.close();
  }
}

/** WAL segment file names: timeline, log and segment as 24 upper-case hex digits (same order as the WAL). */
const WAL_SEGMENT = /^[0-9A-F]{24}$/;

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
