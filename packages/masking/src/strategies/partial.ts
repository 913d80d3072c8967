import { DEFAULT_REPLACEMENT } from './redact.js';

export const DEFAULT_KEEP = 4;

/**
 * partial: a fixed mask plus the last `keep` characters ("****1111"). Never keeps more than half of
 * the value, so short values are not revealed whole. Emails keep only the domain ("****@example.com").
 */
export function partialStrategy(keep: number = DEFAULT_KEEP): (value: string) => string {
  return (value) => {
    const at = value.lastIndexOf('@');
    if (at > 0 && at < value.length - 1 && value.indexOf('.', at) > at) return DEFAULT_REPLACEMENT + value.slice(at);
    const kept = Math.min(keep, Math.floor(value.length / 2));
    return kept > 0 ? DEFAULT_REPLACEMENT + value.slice(value.length - kept) : DEFAULT_REPLACEMENT;
  };
}
