import { randomUUID } from 'node:crypto';
import initSqlJs from 'sql.js';
import type { Database, Statement } from 'sql.js';
import type { ColumnMetadata, TdsValue } from '@gatehouse/adapter-mssql';
import { columnMetadata, inferTypeInfo, parseColumnList, toTdsValue, typeInfoFor, unquote } from './types.js';
import type { DeclaredColumn, SqliteValue } from './types.js';
import { translateStatement } from './translate.js';

/** An error SQL Server would report: number, class (severity), state, message. */
export class SqlServerError extends Error {
  constructor(
    readonly number: number,
    message: string,
    readonly severity = 16,
    readonly state = 1,
  ) {
    super(message);
    this.name = 'SqlServerError';
  }
}

/** A result set: metadata and a lazy row iterator (sql.js steps synchronously; the caller paces it). */
export interface RowSet {
  readonly columns: readonly ColumnMetadata[];
  readonly rows: Iterator<TdsValue[]>;
  /** Stops the statement early (cancel, error) and frees it. */
  close(): void;
}

export type Outcome =
  | { readonly kind: 'rows'; readonly set: RowSet }
  | { readonly kind: 'count'; readonly count: number; readonly curCmd: number }
  | { readonly kind: 'done' };

const CUR_CMD: Record<string, number> = { select: 0xc1, insert: 0xc3, delete: 0xc4, update: 0xc5, create: 0xc6, drop: 0xc7 };
/** Rows sampled to type expression columns before the first is sent. */
const TYPE_SAMPLE = 64;

/**
 * The embedded SQL engine: SQLite (sql.js, WASM) plus a registry of declared T-SQL column types, so
 * results carry the TDS types a real SQL Server would send for those columns. One engine per server:
 * SQLite has one connection, so transactions are server-wide (the stand-in's main departure).
 */
export class Engine {
  private readonly tables = new Map<string, DeclaredColumn[]>();

  private constructor(private readonly db: Database) {
    db.create_function('newid', () => randomUUID().toUpperCase());
  }

  static async create(): Promise<Engine> {
    const SQL = await initSqlJs();
    return new Engine(new SQL.Database());
  }

  close(): void {
    this.db.close();
  }

  /** Runs one (already split) statement with named parameters (`@name` → value). */
  run(tsql: string, params: Record<string, SqliteValue>): Outcome {
    const create = /^\s*create\s+table\s+((?:\[[^\]]+\]|"[^"]+"|[\w#.])+)\s*\(([^]*)\)\s*$/i.exec(tsql);
    if (create) {
      this.exec(translateStatement(tsql), {});
      this.tables.set(unquote(create[1]!).toLowerCase(), parseColumnList(create[2]!));
      return { kind: 'done' };
    }
    const drop = /^\s*(?:if\s+object_id\s*\(\s*N?'([^']+)'(?:\s*,\s*N?'\w+')?\s*\)\s+is\s+not\s+null\s+)?drop\s+table\s+(?:if\s+exists\s+)?((?:\[[^\]]+\]|"[^"]+"|[\w#.])+)\s*$/i.exec(tsql);
    if (drop) {
      const name = unquote(drop[2]!);
      this.exec(`DROP TABLE IF EXISTS "${name}"`, {});
      this.tables.delete(name.toLowerCase());
      return { kind: 'done' };
    }
    const sql = translateStatement(tsql);
    const verb = (/^\s*(\w+)/.exec(tsql)?.[1] ?? '').toLowerCase();
    const stmt = this.prepare(sql);
    try {
      const used = Object.fromEntries(Object.entries(params).filter(([k]) => new RegExp(`${k}\\b`, 'i').test(sql)));
      stmt.bind(used as Record<string, never>);
    } catch (error) {
      stmt.free();
      throw mapError(error);
    }
    const names = stmt.getColumnNames();
    if (names.length === 0) {
      try {
        while (this.step(stmt)) {
          /* statements without columns */
        }
      } finally {
        stmt.free();
      }
      return { kind: 'count', count: this.db.getRowsModified(), curCmd: CUR_CMD[verb] ?? 0xc1 };
    }
    return { kind: 'rows', set: this.rowSet(stmt, names, tsql) };
  }

  private rowSet(stmt: Statement, names: readonly string[], tsql: string): RowSet {
    const sample: SqliteValue[][] = [];
    let exhausted = false;
    while (sample.length < TYPE_SAMPLE) {
      if (!this.step(stmt)) {
        exhausted = true;
        break;
      }
      sample.push(this.row(stmt));
    }
    const declared = this.declaredColumns(tsql);
    const columns = names.map((name, i) => {
      const column = declared.get(name.toLowerCase());
      if (column) return columnMetadata(name, typeInfoFor(column), !column.notNull);
      return columnMetadata(name, inferTypeInfo(sample.map((r) => r[i] ?? null)), true);
    });
    let freed = false;
    const close = (): void => {
      if (!freed) stmt.free();
      freed = true;
    };
    if (exhausted) close();
    const convert = (row: SqliteValue[]): TdsValue[] => row.map((v, i) => toTdsValue(v, columns[i]!.typeInfo));
    let index = 0;
    const rows: Iterator<TdsValue[]> = {
      next: () => {
        if (index < sample.length) return { done: false, value: convert(sample[index++]!) };
        if (freed || !this.step(stmt)) {
          close();
          return { done: true, value: undefined };
        }
        return { done: false, value: convert(this.row(stmt)) };
      },
    };
    return { columns, rows, close };
  }

  /** Columns of the tables a statement names, for typing its result columns by name. */
  private declaredColumns(tsql: string): Map<string, DeclaredColumn> {
    const out = new Map<string, DeclaredColumn>();
    const re = /\b(?:from|join|into|update)\s+((?:\[[^\]]+\]|"[^"]+"|[\w#.])+)/gi;
    for (const m of tsql.matchAll(re)) {
      for (const column of this.tables.get(unquote(m[1]!).toLowerCase()) ?? []) {
        if (!out.has(column.name.toLowerCase())) out.set(column.name.toLowerCase(), column);
      }
    }
    return out;
  }

  /** The declared columns of a table (bulk load), or undefined. */
  tableColumns(name: string): readonly DeclaredColumn[] | undefined {
    return this.tables.get(unquote(name).toLowerCase());
  }

  /** Runs SQL that produces no result (transactions, savepoints, bulk inserts). */
  exec(sql: string, params: Record<string, SqliteValue>): void {
    const stmt = this.prepare(sql);
    try {
      stmt.bind(params as Record<string, never>);
      while (this.step(stmt)) {
        /* drain */
      }
    } catch (error) {
      throw mapError(error);
    } finally {
      stmt.free();
    }
  }

  private prepare(sql: string): Statement {
    try {
      return this.db.prepare(sql);
    } catch (error) {
      throw mapError(error);
    }
  }

  private step(stmt: Statement): boolean {
    try {
      return stmt.step();
    } catch (error) {
      throw mapError(error);
    }
  }

  private row(stmt: Statement): SqliteValue[] {
    return (stmt.get as (p: null, c: { useBigInt: boolean }) => SqliteValue[])(null, { useBigInt: true }).map((v) =>
      typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v,
    );
  }
}

/** Maps SQLite's messages to the SQL Server errors a client would see for the same mistake. */
export function mapError(error: unknown): SqlServerError {
  if (error instanceof SqlServerError) return error;
  const message = error instanceof Error ? error.message : String(error);
  let m: RegExpExecArray | null;
  if ((m = /no such table: (\S+)/.exec(message))) return new SqlServerError(208, `Invalid object name '${m[1]}'.`);
  if ((m = /no such column: (\S+)/.exec(message))) return new SqlServerError(207, `Invalid column name '${m[1]}'.`);
  if ((m = /UNIQUE constraint failed: (\S+)/.exec(message)))
    return new SqlServerError(2627, `Violation of PRIMARY KEY or UNIQUE constraint. Cannot insert duplicate key (${m[1]}).`, 14);
  if ((m = /NOT NULL constraint failed: \w+\.(\w+)/.exec(message)))
    return new SqlServerError(515, `Cannot insert the value NULL into column '${m[1]}'; column does not allow nulls. INSERT fails.`);
  if ((m = /near "([^"]*)": syntax error/.exec(message))) return new SqlServerError(102, `Incorrect syntax near '${m[1]}'.`, 15);
  if (/cannot start a transaction within a transaction/.test(message)) return new SqlServerError(3902, 'The transaction is already active on this test server (SQLite has one connection).');
  return new SqlServerError(50000, `${message} (SQLite, under the TDS test server)`);
}
