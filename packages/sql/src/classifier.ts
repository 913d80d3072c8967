import type { Action, Flag, SqlDialect } from '@gatehouse/core';
import { LRUCache } from 'lru-cache';
import type { ClassifyContext, DialectModule, StatementClassification } from './dialect-module.js';
import { actionOf } from './action-layout.js';
import { unknownStatement } from './dialect-module.js';
import { loadDialectModules } from './dialect-registry.js';
import { LiteralShapeCache } from './literal-shape-cache.js';
import { LiteralSpans } from './literal-spans.js';
import { fingerprintStatement, redactStatement } from './normalize.js';

export interface SqlClassifierOptions {
  /** Statements longer than this (UTF-16 code units ≈ bytes for SQL) are `unknown` without parsing. */
  readonly maxStatementBytes?: number;
  /** Entries in the fingerprint → classification cache; 0 turns both caches off (benchmarks). */
  readonly cacheEntries?: number;
  /** Memory bound of the exact-text cache, and of the literal-shape cache's redacted texts (held only in memory, never logged). */
  readonly exactCacheBytes?: number;
}

export interface SqlClassifier {
  /** Turns SQL text into actions, one per statement. Never throws. */
  classify(text: string, context: ClassifyContext): Action[];
  readonly stats: { exactHits: number; fingerprintHits: number; misses: number };
}

export const DEFAULT_MAX_STATEMENT_BYTES = 1024 * 1024;
const EXACT_CACHE_BYTES = 16 * 1024 * 1024;

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
          maxSize: options.exactCacheBytes ?? EXACT_CACHE_BYTES,
          sizeCalculation: (entry, key) => key.length * 2 + entry.context.length * 2 + 512 * entry.actions.length,
        })
      : undefined;
  const shapeCache = cacheEntries > 0 ? new LRUCache<string, StatementClassification[]>({ max: cacheEntries }) : undefined;
  const literalShapes = cacheEntries > 0 ? new LiteralShapeCache(cacheEntries, options.exactCacheBytes ?? EXACT_CACHE_BYTES) : undefined;
  /** The literal-shape scan's scratch, reused for every statement. */
  const spans = new LiteralSpans();
  const stats = { exactHits: 0, fingerprintHits: 0, misses: 0 };

  function classify(text: string, context: ClassifyContext): Action[] {
    if (text.length > maxBytes) return [tooLargeAction(text, context.dialect)];
    const module = modules[context.dialect];
    if (!exactCache) return classifyUncached(module, text, context).actions;
    const contextKey = contextKeyOf(context);
    // A literal-varying text of a known shape (the commonest miss of the exact cache): one pass over
    // the text and one lookup, no lexing, fingerprinting or redaction. Such texts are looked up by
    // shape, not verbatim: they repeat only by chance (the first text of a shape still repeats as
    // itself, as from the exact cache).
    const literalShape = module.scanLiteralShape?.(text, spans) === true;
    if (literalShape) {
      const known = literalShapes!.find(contextKey, text, spans);
      if (known !== undefined) {
        if (text === known.firstText) {
          stats.exactHits++;
          return known.firstActions;
        }
        stats.fingerprintHits++;
        return [known.action()];
      }
    }
    const cached = exactCache.get(text);
    if (cached && cached.context === contextKey) {
      stats.exactHits++;
      return cached.actions;
    }
    const shape = literalShape ? spans.redacted(text) : undefined;
    const { actions, newShape, literals, wellFormed } = classifyUncached(module, text, context);
    // The shortcut is trusted for a shape only once the full path agreed on this text's redaction.
    if (shape !== undefined && wellFormed && actions.length === 1 && actions[0]!.redactedText === shape) {
      const remembered = literalShapes!.remember(contextKey, text, spans, actions);
      if (remembered !== undefined) return remembered;
    }
    // Other texts are remembered verbatim when they are of a new shape or carry no literal at all.
    // Repeated texts (prepared statements, ORM queries with parameters) are then cached on first
    // sight, even when the same shape was first seen with literals; literal-varying texts, which
    // would never repeat, would only churn the cache and its memory.
    // Frozen: a cached array is handed to every caller of the same text, and its identity marks
    // it as a repeat, which lets the decider reuse a session's decision for it.
    if (newShape || !literals) exactCache.set(text, { context: contextKey, actions: Object.freeze(actions) as Action[] });
    return actions;
  }

  function classifyUncached(
    module: DialectModule,
    text: string,
    context: ClassifyContext,
  ): { actions: Action[]; newShape: boolean; literals: boolean; wellFormed: boolean } {
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
      return actionOf(context.dialect, classification, flags, fingerprints[i]!, redactStatement(text, lexed.tokens, range));
    });
    return { actions, newShape, literals, wellFormed: lexed.problems.length === 0 };
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
