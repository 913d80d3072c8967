import { createHmac } from 'node:crypto';
import { KeyMemo } from './key-memo.js';

/** Secret keys for the keyed strategies, from gateway configuration (never from policy). */
export interface MaskingKeys {
  /** HMAC-SHA256 key for `hash`; share it across gateways so masked values join across them. */
  readonly hash: string | Uint8Array;
  /** Key for `format-preserving`; derived from `hash` with a label when absent. */
  readonly formatPreserving?: string | Uint8Array;
}

/** Derived once per hash key rather than per plan compilation. */
const derivedKeys = new KeyMemo<Uint8Array>(32);

/** The format-preserving key, kept separate from the hash key so one output never reveals the other. */
export function formatPreservingKey(keys: MaskingKeys): string | Uint8Array {
  return keys.formatPreserving ?? derivedKeys.get(keys.hash, (hashKey) => createHmac('sha256', hashKey).update('gatehouse/format-preserving/v1').digest());
}
