import type { Action, Flag, SqlDialect } from '@gatehouse/core';
import { LRUCache } from 'lru-cache';
import type { ClassifyContext, DialectModule, StatementClassification } from './dialect-module.js';
import { unknownStatement } from './dialect-module.js';
import { loadDialectModules } from './dialect-registry.js';
import { normalizeStatement } from './normalize.js';

export interface SqlClassifierOptions {
  /** Statements longer than this (UTF-16 code units ≈ bytes for SQL) are `unknown` without parsing. */
  readonly maxStatementBytes?: number;
  /** Entries in the fingerprint → classification cache; 0 turns both caches off (benchmarks). */
  readonly cacheEntries?: number;
  /** Memory bound of the exact-text cache (text is held only in memory, never logged). */
  readonly exactCacheBytes?: number;
}

export interface SqlClassifier {
  /** Turns SQL text into actions, one per statement. Never throws. */
  classify(text: string, context: ClassifyContext): Action[];
  readonly stats: { exactHits: number; fingerprintHits: number; misses: number };
}

export const DEFAULT_MAX_STATEMENT_BYTES = 1024 * 1024;

/**
 * Loads the parsers (libpg-query is WASM and loads asynchronously) and returns a synchronous
 * classifier with two caches: exact text → actions (a hash lookup for repeated statements) and
 * fingerprint → classification (repeated shapes with other literals skip the parser).
 */
export async function createSqlClassifier(options: SqlClassifierOptions = {}): Promise<SqlClassifier> {
  const modules = await loadDialectModules();
  const maxBytes = options.maxStatementBytes ?? DEFAULT_MAX_STATEMENT_BYTES;
  const cacheEntries = options.cacheEntries ?? 10_000;
  const exactCache =
    cacheEntries > 0
      ? new LRUCache<string, Action[]>({
          maxSize: options.exactCacheBytes ?? 16 * 1024 * 1024,
          sizeCalculation: (actions, key) => key.length * 2 + 512 * actions.length,
        })
      : undefined;
  const shapeCache = cacheEntries > 0 ? new LRUCache<string, StatementClassification[]>({ max: cacheEntries }) : undefined;
  const stats = { exactHits: 0, fingerprintHits: 0, misses: 0 };

  function classify(text: string, context: ClassifyContext): Action[] {
    if (text.length > maxBytes) return [tooLargeAction(text, context.dialect)];
    const module = modules[context.dialect];
    if (!exactCache) return classifyUncached(module, text, context).actions;
    const exactKey = cacheKey(context, text);
    const cached = exactCache.get(exactKey);
    if (cached) {
      stats.exactHits++;
      return cached;
    }
    const { actions, newShape } = classifyUncached(module, text, context);
    // Only texts of a new shape are remembered verbatim. Repeated texts (prepared statements, ORM
    // queries with parameters) are cached on their first sight; literal-varying texts, which would
    // never repeat, would only churn the cache and its memory.
    if (newShape) exactCache.set(exactKey, actions);
    return actions;
  }

  function classifyUncached(module: DialectModule, text: string, context: ClassifyContext): { actions: Action[]; newShape: boolean } {
    const lexed = module.lex(text);
    const ranges = module.split(lexed, text);
    const normalized = ranges.map((range) => normalizeStatement(text, lexed.tokens, range, module));
    // A text the lexer could not read (an unterminated string) shares its fingerprint with a
    // well-formed one, so it must never be answered from the shape cache.
    let classifications: StatementClassification[] | undefined;
    let newShape = true;
    if (lexed.problems.length > 0) {
      classifications = ranges.map(() => unknownStatement('parse-error'));
    } else {
      const shapeKey = cacheKey(context, normalized.map((n) => n.fingerprint).join('\u0000;'));
      classifications = shapeCache?.get(shapeKey);
      if (classifications) {
        stats.fingerprintHits++;
        newShape = false;
      } else {
        stats.misses++;
        classifications = safeClassify(module, text, lexed, ranges, context);
        shapeCache?.set(shapeKey, classifications);
      }
    }
    const multi = ranges.length > 1;
    const actions = classifications.map((classification, i) => {
      const range = ranges[i]!;
      const flags = new Set<Flag>(classification.flags);
      if (multi) flags.add('multi-statement');
      for (let t = range.firstToken; t < range.endToken; t++) {
        if (lexed.tokens[t]!.kind === 'exec-comment-start') flags.add('executable-comment');
      }
      return {
        dialect: context.dialect,
        ...classification,
        flags: [...flags],
        fingerprint: normalized[i]!.fingerprint,
        redactedText: normalized[i]!.redactedText,
      };
    });
    return { actions, newShape };
  }

  return { classify, stats };
}

function safeClassify(
  module: DialectModule,
  text: string,
  lexed: ReturnType<DialectModule['lex']>,
  ranges: Parameters<DialectModule['classify']>[2],
  context: ClassifyContext,
): StatementClassification[] {
  try {
    const result = module.classify(text, lexed, ranges, context);
    return result.length === ranges.length ? result : ranges.map(() => unknownStatement('parse-error'));
  } catch {
    // A classifier bug must never let a statement through as a read.
    return ranges.map(() => unknownStatement('parse-error'));
  }
}

function cacheKey(context: ClassifyContext, text: string): string {
  return `${context.dialect}\u0000${context.database ?? ''}\u0000${context.schema ?? ''}\u0000${text}`;
}

function tooLargeAction(text: string, dialect: SqlDialect): Action {
  const summary = `<statement of ${text.length} characters, over the classifier limit>`;
  return {
    dialect,
    ...unknownStatement('too-large'),
    fingerprint: summary,
    redactedText: summary,
  };
}
