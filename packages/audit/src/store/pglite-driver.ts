import { closeSync, fsyncSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { SqlDriver, SqlQueryable } from './sql-driver.js';

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

  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this.#db.transaction((tx) =>
      fn({ query: async <R extends object>(text: string, params?: readonly unknown[]) => (await tx.query<R>(text, params ? [...params] : undefined)).rows }),
    );
  }

  async afterCommit(): Promise<void> {
    if (!this.#fsync) return;
    // WAL segment names grow monotonically; the newest holds the commit record just written.
    const segment = readdirSync(this.#walDir)
      .filter((name) => /^[0-9A-F]{24}$/.test(name))
      .sort()
      .at(-1);
    if (segment === undefined) return;
    fsyncPath(join(this.#walDir, segment));
    if (segment !== this.#segment) {
      // A new segment file: its directory entry must be durable too.
      fsyncPath(this.#walDir);
      this.#segment = segment;
    }
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
