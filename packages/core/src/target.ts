import type { Dialect } from './dialect.js';

/** Where an action is going: a named gateway connection in an environment. */
export interface Target {
  readonly connection: string;
  readonly environment: string;
  readonly dialect: Dialect;
  /** The session's current database, when known. */
  readonly database?: string;
  /** The session's default schema (postgres search_path head, mssql default schema), when known. */
  readonly schema?: string;
}
