import pg from 'pg';
import type { SqlDriver, SqlQueryable } from './sql-driver.js';

export interface PostgresDriverOptions {
  /** postgres://… ; or pass `pool` to share one the gateway already has. */
  readonly connectionString?: string;
  readonly pool?: pg.Pool;
  /** Connections for appends and searches (default 4). */
  readonly maxConnections?: number;
}

/**
 * node-postgres. A committed transaction is durable on the server (with its synchronous_commit
 * and fsync settings), so afterCommit has nothing left to do.
 */
export class PostgresDriver implements SqlDriver {
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;

  constructor(options: PostgresDriverOptions) {
    this.#ownsPool = options.pool === undefined;
    this.#pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 4 });
  }

  async query<R extends object>(text: string, params?: readonly unknown[]): Promise<readonly R[]> {
    return (await this.#pool.query<R & pg.QueryResultRow>(text, params ? [...params] : undefined)).rows;
  }

  async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn({
        query: async <R extends object>(text: string, params?: readonly unknown[]) =>
          (await client.query<R & pg.QueryResultRow>(text, params ? [...params] : undefined)).rows,
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async afterCommit(): Promise<void> {
    // The server's COMMIT already returned after its WAL flush.
  }

  async close(): Promise<void> {
    if (this.#ownsPool) await this.#pool.end();
  }
}
