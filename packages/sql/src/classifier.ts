import type { Action, Flag, SqlDialect } from '@gatehouse/core';
import { LRUCache } from 'lru-cache';
import type { ClassifyContext, DialectModule, StatementClassification } from './dialect-module.js';
import { unknownStatement } from './dialect-module.js';
import { loadDialectModules } from './dialect-registry.js';
import { fingerprintStatement, redactStatement } from './normalize.js';

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
  // Keyed by the text alone (no concatenated key to build and hash per statement); the entry names
  // the context it was classified in, and an entry of another context is a miss.
  const exactCache =
    cacheEntries > 0
      ? new LRUCache<string, ExactEntry>({
          maxSize: options.exactCacheBytes ?? 16 * 1024 * 1024,
          sizeCalculation: (entry, key) => key.length * 2 + entry.context.length * 2 + 512 * entry.actions.length,
        })
      : undefined;
  const shapeCache = cacheEntries > 0 ? new LRUCache<string, StatementClassification[]>({ max: cacheEntries }) : undefined;
  const stats = { exactHits: 0, fingerprintHits: 0, misses: 0 };

  function classify(text: string, context: ClassifyContext): Action[] {
    if (text.length > maxBytes) return [tooLargeAction(text, context.dialect)];
    const module = modules[context.dialect];
    if (!exactCache) return classifyUncached(module, text, context).actions;
    const contextKey = contextKeyOf(context);
    const cached = exactCache.get(text);
    if (cached && cached.context === contextKey) {
      stats.exactHits++;
      return cached.actions;
    }
    const { actions, newShape, literals } = classifyUncached(module, text, context);
    // Texts are remembered verbatim when they are of a new shape or carry no literal at all.
    // Repeated texts (prepared statements, ORM queries with parameters) are then cached on first
    // sight, even when the same shape was first seen with literals; literal-varying texts, which
    // would never repeat, would only churn the cache and its memory.
    // Frozen: a cached array is handed to every caller of the same text, and its identity marks
    // it as a repeat, which lets the decider reuse a session's decision for it.
    if (newShape || !literals) exactCache.set(text, { context: contextKey, actions: Object.freeze(actions) as Action[] });
    return actions;
  }

  function classifyUncached(module: DialectModule, text: string, context: ClassifyContext): { actions: Action[]; newShape: boolean; literals: boolean } {
    const lexed = module.lex(text);
    let literals = false;
    for (const token of lexed.tokens) {
      if (token.kind === 'string' || token.kind === 'number') {
        literals = true;
        break;
      }
    }
    const ranges = module.split(lexed, text);
    const fingerprints = ranges.map((range) => fingerprintStatement(text, lexed.tokens, range, module));
    // A text the lexer could not read (an unterminated string) shares its fingerprint with a
    // well-formed one, so it must never be answered from the shape cache.
    let classifications: StatementClassification[] | undefined;
    let newShape = true;
    if (lexed.problems.length > 0) {
      classifications = ranges.map(() => unknownStatement('parse-error'));
    } else {
      const shapeKey = `${contextKeyOf(context)}\u0000${fingerprints.length === 1 ? fingerprints[0]! : fingerprints.join('\u0000;')}`;
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
    const actions = classifications.map((classification, i): Action => {
      const range = ranges[i]!;
      let executableComment = false;
      for (let t = range.firstToken; t < range.endToken; t++) {
        if (lexed.tokens[t]!.kind === 'exec-comment-start') executableComment = true;
      }
      let flags: readonly Flag[] = classification.flags;
      if (multi || executableComment) {
        const all = new Set<Flag>(flags);
        if (multi) all.add('multi-statement');
        if (executableComment) all.add('executable-comment');
        flags = [...all];
      } else {
        // A copy (the cached classification's array is never handed out), without duplicates as before.
        flags = flags.length > 1 ? [...new Set(flags)] : flags.slice();
      }
      // The redacted text is built eagerly: a lazy accessor measured slower than building it (V8).
      return { dialect: context.dialect, ...classification, flags, fingerprint: fingerprints[i]!, redactedText: redactStatement(text, lexed.tokens, range) };
    });
    return { actions, newShape, literals };
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

interface ExactEntry {
  readonly context: string;
  readonly actions: Action[];
}

let lastContext: { dialect: string; database: string | undefined; schema: string | undefined; key: string } | undefined;

/** What a classification depends on besides the text; the last one is remembered (sessions repeat it). */
function contextKeyOf(context: ClassifyContext): string {
  const last = lastContext;
  if (last && last.dialect === context.dialect && last.database === context.database && last.schema === context.schema) return last.key;
  const key = `${context.dialect}\u0000${context.database ?? ''}\u0000${context.schema ?? ''}`;
  lastContext = { dialect: context.dialect, database: context.database, schema: context.schema, key };
  return key;
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
