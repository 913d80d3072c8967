import type { Duplex } from 'node:stream';
import { BackendCode } from '../protocol/codes.js';
import type { Frame } from '../protocol/frame.js';
import { decodeErrorResponse } from '../protocol/messages/error-notice.js';
import { encodeQuery } from '../protocol/messages/query.js';
import { dataRowValue, scanDataRow } from '../protocol/messages/rows.js';
import { encodeTerminate } from '../protocol/messages/session.js';
import type { FrameStream } from './frame-stream.js';
import { connectUpstream } from './upstream-login.js';
import type { PostgresUpstreamSettings } from './upstream-login.js';

/** A table as the catalog names it, with its columns by attribute number. */
export interface CatalogTable {
  readonly schema: string;
  readonly table: string;
  readonly columns: ReadonlyMap<number, string>;
}

/** A column of a table in attribute order, for COPY (which has no RowDescription). */
export interface CatalogColumn {
  readonly name: string;
  readonly typeOid: number;
  readonly typeMod: number;
}

export interface CatalogLookup {
  /** Tables for the given OIDs that are cached, without waiting; undefined when any is missing. */
  cached(oids: readonly number[]): ReadonlyMap<number, CatalogTable> | undefined;
  /** Tables for the given OIDs (unknown OIDs are absent from the result). */
  tables(oids: readonly number[]): Promise<ReadonlyMap<number, CatalogTable>>;
  /** A table's live columns in attribute order; empty when the table does not exist. */
  columnsOf(schema: string, table: string): Promise<readonly CatalogColumn[]>;
  close(): void;
}

/** A string literal for a simple query (standard_conforming_strings is pinned on). */
function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A qualified name as to_regclass reads it: each part double-quoted, so case and dots survive. */
function qualifiedName(schema: string, table: string): string {
  return [schema, table].map((part) => `"${part.replace(/"/g, '""')}"`).join('.');
}

const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

/**
 * Resolves RowDescription table OIDs and attribute numbers to names over one upstream connection
 * of the gateway's own (lazily opened, reopened after a failure), with a short-lived cache so a DDL
 * rename is picked up within a minute. OIDs are integers from the server, so the query is safe.
 */
export class UpstreamCatalog implements CatalogLookup {
  readonly #settings: PostgresUpstreamSettings;
  readonly #cache = new Map<number, { table: CatalogTable; expires: number }>();
  #connection: Promise<{ socket: Duplex; stream: FrameStream }> | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(settings: PostgresUpstreamSettings) {
    this.#settings = settings;
  }

  cached(oids: readonly number[]): ReadonlyMap<number, CatalogTable> | undefined {
    const now = Date.now();
    const found = new Map<number, CatalogTable>();
    for (const oid of oids) {
      const entry = this.#cache.get(oid);
      if (!entry || entry.expires < now) return undefined;
      found.set(oid, entry.table);
    }
    return found;
  }

  tables(oids: readonly number[]): Promise<ReadonlyMap<number, CatalogTable>> {
    const run = this.#queue.then(() => this.#fetch(oids));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  columnsOf(schema: string, table: string): Promise<readonly CatalogColumn[]> {
    const sql =
      'SELECT a.attname, a.atttypid, a.atttypmod FROM pg_catalog.pg_attribute a ' +
      `WHERE a.attrelid = pg_catalog.to_regclass(${literal(qualifiedName(schema, table))}) ` +
      'AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum';
    const run = this.#queue.then(async () => {
      try {
        const rows = await this.#query(sql);
        return rows.map(([name, typeOid, typeMod]) => ({ name: name!, typeOid: Number(typeOid), typeMod: Number(typeMod) }));
      } catch (error) {
        this.close();
        throw error;
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    const connection = this.#connection;
    this.#connection = undefined;
    void connection?.then(({ socket }) => socket.end(encodeTerminate())).catch(() => undefined);
  }

  async #fetch(oids: readonly number[]): Promise<ReadonlyMap<number, CatalogTable>> {
    const hit = this.cached(oids);
    if (hit) return hit;
    const wanted = [...new Set(oids)].filter((oid) => Number.isInteger(oid) && oid > 0);
    if (wanted.length === 0) return new Map();
    const sql =
      'SELECT c.oid, n.nspname, c.relname, a.attnum, a.attname FROM pg_catalog.pg_class c ' +
      'JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ' +
      'JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid ' +
      `WHERE c.oid IN (${wanted.join(',')}) AND a.attnum > 0 AND NOT a.attisdropped`;
    let rows: string[][];
    try {
      rows = await this.#query(sql);
    } catch (error) {
      this.close();
      throw error;
    }
    const tables = new Map<number, { schema: string; table: string; columns: Map<number, string> }>();
    for (const [oid, schema, table, attnum, attname] of rows) {
      const key = Number(oid);
      let entry = tables.get(key);
      if (!entry) tables.set(key, (entry = { schema: schema!, table: table!, columns: new Map() }));
      entry.columns.set(Number(attnum), attname!);
    }
    if (this.#cache.size > MAX_ENTRIES) this.#cache.clear();
    const expires = Date.now() + TTL_MS;
    for (const [oid, table] of tables) this.#cache.set(oid, { table, expires });
    return tables;
  }

  async #query(sql: string): Promise<string[][]> {
    this.#connection ??= connectUpstream(this.#settings, new Map([['application_name', 'gatehouse-catalog']]));
    const { socket, stream } = await this.#connection;
    socket.write(encodeQuery(sql));
    const rows: string[][] = [];
    let failure: string | undefined;
    for (;;) {
      const frame: Frame = await stream.next(10_000);
      if (frame.code === BackendCode.DataRow) {
        const layout = scanDataRow(frame);
        const values: string[] = [];
        for (let i = 0; i < layout.columnCount; i++) values.push(dataRowValue(frame, layout, i)?.toString('utf8') ?? '');
        rows.push(values);
      } else if (frame.code === BackendCode.ErrorResponse) {
        failure = decodeErrorResponse(frame).fields.get('C') ?? 'unknown';
      } else if (frame.code === BackendCode.ReadyForQuery) {
        if (failure) throw new Error(`catalog lookup failed with SQLSTATE ${failure}`);
        return rows;
      }
    }
  }
}
