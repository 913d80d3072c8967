import type { RowFilter } from '@gatehouse/core';

/**
 * Which row filters apply to a MongoDB namespace (`database.collection`).
 *
 * Segments are matched as the policy engine matches object names (packages/policy/src/glob.ts):
 * `*` is one dotted segment or part of one, `**` any number of segments, case-insensitive. A
 * MongoDB name has no schema, so a pattern written for the SQL dialects' three parts
 * (`*.*.customers`) would never match `app.customers`, and a filter that silently does not apply
 * shows every row. The name is therefore also tried as `database.?.collection`, where the missing
 * schema matches any pattern segment (as masking treats an unknown `?` segment): a filter applies
 * when it could apply. Applying a filter too widely hides rows; missing one shows them.
 */
export function filtersFor(filters: readonly RowFilter[] | undefined, namespace: string): RowFilter[] {
  if (!filters || filters.length === 0) return [];
  return filters.filter((filter) => patternMatches(filter.pattern, namespace));
}

export function patternMatches(pattern: string, namespace: string): boolean {
  const dot = namespace.indexOf('.');
  if (dot < 0) return false;
  const wanted = pattern.toLowerCase().split('.');
  const database = namespace.slice(0, dot).toLowerCase();
  // A collection name may itself contain dots (`system.profile`, `a.b`): its segments follow.
  const collection = namespace.slice(dot + 1).toLowerCase().split('.');
  return matchSegments(wanted, [database, ...collection]) || matchSegments(wanted, [database, UNKNOWN, ...collection]);
}

/** A name segment that matches any single pattern segment. */
const UNKNOWN = '\u0000?';

function matchSegments(pattern: readonly string[], name: readonly string[]): boolean {
  const memo = new Map<number, boolean>();
  const go = (p: number, n: number): boolean => {
    const key = p * 4096 + n;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (p === pattern.length) result = n === name.length;
    else if (pattern[p] === '**') result = go(p + 1, n) || (n < name.length && go(p, n + 1));
    else result = n < name.length && segmentMatches(pattern[p]!, name[n]!) && go(p + 1, n + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

function segmentMatches(pattern: string, segment: string): boolean {
  if (segment === UNKNOWN) return true;
  if (!pattern.includes('*')) return pattern === segment;
  const parts = pattern.split('*');
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!segment.startsWith(first)) return false;
  let at = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = segment.indexOf(parts[i]!, at);
    if (found < 0) return false;
    at = found + parts[i]!.length;
  }
  return segment.length - at >= last.length && segment.endsWith(last);
}
