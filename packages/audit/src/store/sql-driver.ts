/** The little of a SQL client the store needs; PGlite and node-postgres both fit behind it. */
export interface SqlQueryable {
  query<R extends object>(text: string, params?: readonly unknown[]): Promise<readonly R[]>;
}

export interface SqlDriver extends SqlQueryable {
  /** Runs `fn` in one transaction: commit when it resolves, rollback when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * Called after every committed append, before append resolves: where the engine's own commit is
   * not enough for durability (PGlite's WASM filesystem does not fsync), the driver makes it so.
   */
  afterCommit(): Promise<void>;
  close(): Promise<void>;
}
