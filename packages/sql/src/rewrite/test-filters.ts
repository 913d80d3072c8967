import type { RowPredicate } from '@gatehouse/core';
import type { AppliedRowFilter, RowFilterLookup } from './types.js';

/** A lookup that filters every object whose last name part is `table` (tests only). */
export function filterTable(table: string, predicate: RowPredicate, rule = 'support-sees-own-region'): RowFilterLookup {
  const applied: AppliedRowFilter = { predicate, rules: [rule] };
  return (name) => (name.split('.').at(-1) === table ? applied : undefined);
}

export const EU: RowPredicate = { kind: 'eq', column: 'region', value: 'eu' };

/** Attribute values chosen to break naive quoting in every dialect. */
export const HOSTILE_VALUES: readonly string[] = [
  "eu' OR '1'='1",
  "eu'; DROP TABLE customers; --",
  'eu\\',
  "eu\\'",
  'eu$$ OR true $$',
  '$tag$',
  'eu/* comment */',
  '*/ OR 1=1 /*',
  'eu -- tail',
  '" OR ""="',
  '`) OR 1=1 -- ',
  '] OR 1=1 --',
  "N'x'",
  'é€😀',
  '',
  ' ',
  "''",
  '\\0\\n\\r\\Z',
  '?',
  '$1',
  '@p1',
  ':name',
];

/** A tiny seeded PRNG (mulberry32) so a failing fuzz case reproduces from its seed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random string over characters that matter to SQL lexers. */
export function hostileString(random: () => number, maxLength = 24): string {
  const alphabet = ["'", '"', '`', '\\', '$', '-', '/', '*', ';', '(', ')', '[', ']', ' ', '\n', 'a', 'E', 'N', '?', '@', ':', '#', '%', '_', 'é', '😀', '\u0001'];
  let out = '';
  const length = Math.floor(random() * maxLength);
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)]!;
  return out;
}
