import type { MaskStrategyKind, MaskStrategySpec } from '@gatehouse/core';
import { MaskPlanError } from '../errors.js';
import { formatPreservingBytesStrategy, formatPreservingStrategy } from './format-preserving.js';
import { type BytesMasker, hashBytesStrategy, hashStrategy } from './hash.js';
import { formatPreservingKey, type MaskingKeys } from './keys.js';
import { partialStrategy } from './partial.js';
import { redactStrategy } from './redact.js';

/** A compiled strategy for string values; null means the value becomes SQL NULL. */
export type StringMasker = (value: string) => string | null;
export type { BytesMasker } from './hash.js';

export interface StrategyOptions {
  readonly keys?: MaskingKeys;
  /** Hex characters kept from the HMAC for `hash`. Default 16. */
  readonly hashLength?: number;
}

const RANK: Readonly<Record<MaskStrategyKind, number>> = {
  partial: 1,
  'format-preserving': 2,
  hash: 3,
  redact: 4,
  null: 5,
};

/** How much a strategy hides: null > redact > hash (equality) > format-preserving (shape) > partial. */
export function strategyRank(kind: MaskStrategyKind): number {
  return RANK[kind];
}

/** Compiles a strategy spec once per plan. Keyed strategies need keys in the options. */
export function compileStrategy(spec: MaskStrategySpec, options: StrategyOptions, rule: string): StringMasker {
  switch (spec.kind) {
    case 'redact':
      return redactStrategy(spec.replacement);
    case 'partial':
      return partialStrategy(spec.keep);
    case 'null':
      return () => null;
    case 'hash':
      return hashStrategy(requireKeys(options, rule, spec.kind).hash, options.hashLength);
    case 'format-preserving':
      return formatPreservingStrategy(formatPreservingKey(requireKeys(options, rule, spec.kind)));
    default:
      throw new MaskPlanError(`Rule "${rule}" uses an unknown mask strategy "${String((spec as { kind: unknown }).kind)}".`);
  }
}

/**
 * The bytes-in/bytes-out form of a strategy whose output depends on the value, where one exists
 * (hash, format-preserving): the wire path's text values skip the decode and re-encode. It gives
 * exactly the bytes of the string form's result, or undefined to send that value to the string form.
 */
export function compileBytesStrategy(spec: MaskStrategySpec, options: StrategyOptions, rule: string): BytesMasker | undefined {
  switch (spec.kind) {
    case 'hash':
      return hashBytesStrategy(requireKeys(options, rule, spec.kind).hash, options.hashLength);
    case 'format-preserving':
      return formatPreservingBytesStrategy(formatPreservingKey(requireKeys(options, rule, spec.kind)));
    default:
      return undefined;
  }
}

function requireKeys(options: StrategyOptions, rule: string, kind: string): MaskingKeys {
  if (!options.keys) {
    throw new MaskPlanError(
      `Rule "${rule}" masks with "${kind}", which needs a secret key: set masking.keys.hash in the gateway configuration.`,
    );
  }
  return options.keys;
}
