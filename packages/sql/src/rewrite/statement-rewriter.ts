import { loadModule } from 'libpg-query';
import { LRUCache } from 'lru-cache';
import { MysqlLocationParser } from './mysql-location-parser.js';
import { rewriteMssql } from './mssql-rewrite.js';
import { rewriteMysql } from './mysql-rewrite.js';
import { rewritePostgres } from './postgres-rewrite.js';
import { applyEdits } from './text-edits.js';
import type { RewriteRequest, RewriteResult, TextEdit } from './types.js';
import { RewriteRefusal } from './types.js';

/** Rewrites statements so only rows matching the decision's row filters are read or written. */
export interface StatementRewriter {
  /**
   * Never throws: anything that cannot be rewritten with certainty is `refused`. With `filtersKey`
   * — a stable key of everything `filterFor` can answer — the result is cached by (text, dialect,
   * database, schema, filtersKey), so a repeated statement costs a lookup.
   */
  rewrite(request: RewriteRequest, filtersKey?: string): RewriteResult;
  readonly stats: { hits: number; misses: number };
}

export interface StatementRewriterOptions {
  /** Memory bound of the result cache (texts are held in memory only); 0 turns it off. */
  readonly cacheBytes?: number;
}

/** Loads the parsers (libpg-query is WASM and loads asynchronously) and returns a synchronous rewriter. */
export async function createStatementRewriter(options: StatementRewriterOptions = {}): Promise<StatementRewriter> {
  await loadModule();
  return statementRewriterForLoadedParsers(options);
}

/**
 * A rewriter for a process where libpg-query is already loaded (createSqlClassifier loads it). If
 * it is not, every PostgreSQL rewrite is refused: never an unfiltered statement.
 */
export function statementRewriterForLoadedParsers(options: StatementRewriterOptions = {}): StatementRewriter {
  const mysqlParser = new MysqlLocationParser();
  const cacheBytes = options.cacheBytes ?? 8 * 1024 * 1024;
  const cache =
    cacheBytes > 0
      ? new LRUCache<string, RewriteResult>({
          maxSize: cacheBytes,
          sizeCalculation: (result, key) => key.length * 2 + (result.kind === 'rewritten' ? result.text.length * 2 : 0) + 256,
        })
      : undefined;
  const stats = { hits: 0, misses: 0 };
  return {
    stats,
    rewrite(request, filtersKey) {
      if (!cache || filtersKey === undefined) return rewriteUncached(request, mysqlParser);
      const key = `${request.dialect}\u0000${request.database ?? ''}\u0000${request.schema ?? ''}\u0000${filtersKey}\u0000${request.text}`;
      const cached = cache.get(key);
      if (cached) {
        stats.hits++;
        return cached;
      }
      stats.misses++;
      const result = rewriteUncached(request, mysqlParser);
      cache.set(key, result);
      return result;
    },
  };
}

function rewriteUncached(request: RewriteRequest, mysqlParser: MysqlLocationParser): RewriteResult {
  try {
    const { edits, tables } = rewriteFor(request, mysqlParser);
    if (edits.length === 0 && tables.size === 0) return { kind: 'unchanged' };
    // An INSERT checked statically has no edit: `rewritten` with the same text still says which
    // filtered tables were covered.
    return { kind: 'rewritten', text: applyEdits(request.text, edits), tables: [...tables].sort() };
  } catch (error) {
    if (error instanceof RewriteRefusal) return { kind: 'refused', reason: error.message };
    // A rewriter bug (or an unloaded parser) must never forward an unfiltered statement.
    return { kind: 'refused', reason: 'the row-filter rewriter failed on this statement' };
  }
}

function rewriteFor(request: RewriteRequest, mysqlParser: MysqlLocationParser): { edits: TextEdit[]; tables: Set<string> } {
  switch (request.dialect) {
    case 'postgres':
      return rewritePostgres(request);
    case 'mysql':
      return rewriteMysql(request, mysqlParser);
    case 'mssql':
      return rewriteMssql(request);
  }
}
