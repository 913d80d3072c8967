import { ObjectPatternCache } from '@gatehouse/core';
import type { RowFilter } from '@gatehouse/core';

/**
 * Row-filter patterns are object patterns (@gatehouse/core) in `broad` mode: applying a filter too
 * widely hides rows, missing one shows them. A MongoDB namespace has no schema, so a pattern written
 * for every dialect (`*.*.customers`, even `*.public.customers`) applies to `app.customers`, and one
 * written in MongoDB's own form (`app.customers`, `*.customers`) applies as written. The database is
 * always the first segment; a dotted collection (`app.system.profile`) follows it, and a whole `*`
 * after the database covers it (`app.*`). Compiled once per pattern text.
 */
const patterns = new ObjectPatternCache('broad');

/** Which row filters apply to a MongoDB namespace (`database.collection`). */
export function filtersFor(filters: readonly RowFilter[] | undefined, namespace: string): RowFilter[] {
  if (!filters || filters.length === 0) return [];
  return filters.filter((filter) => patternMatches(filter.pattern, namespace));
}

export function patternMatches(pattern: string, namespace: string): boolean {
  return patterns.get(pattern).matches(namespace, 'mongodb');
}
