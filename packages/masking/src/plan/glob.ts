import { ObjectPatternCache, wildcardMatch as segmentWildcardMatch } from '@gatehouse/core';
import type { Dialect, ObjectPattern } from '@gatehouse/core';

/**
 * Wildcard match of one name against a pattern where `*` is any run of characters, case-insensitive
 * (SQL identifiers fold case in most servers; masking more is the safe side). Iterative, O(n·m).
 */
export function wildcardMatch(pattern: string, name: string): boolean {
  return segmentWildcardMatch(pattern.toLowerCase(), name.toLowerCase());
}

/**
 * Dotted column patterns are object patterns (@gatehouse/core) in `broad` mode, because masking
 * more is the safe side: `*` is one segment (or a wildcard inside one), `**` any number of
 * segments; a path segment `?` (unknown, as in ObjectRef names) or `*` (a star source, "any
 * column") matches any pattern segment; and for MySQL and MongoDB, whose paths have no schema
 * (`shop.users.email`, `app.users.address.city`), the missing schema matches any pattern segment,
 * so `*.*.users.email` masks them as it masks `orders.public.users.email`. Compiled once per
 * pattern text: policies hand the same rules to every plan.
 */
const dottedPatterns = new ObjectPatternCache('broad');

/** A column rule's pattern: dotted (matched against a dotted path) or a bare name pattern. */
export interface CompiledPattern {
  /** Dotted patterns only. */
  readonly dotted: ObjectPattern | undefined;
  /** Name patterns only: the pattern, matched against the last path segment. */
  readonly name: string | undefined;
}

export function compilePattern(pattern: string): CompiledPattern {
  return pattern.includes('.') ? { dotted: dottedPatterns.get(pattern), name: undefined } : { dotted: undefined, name: pattern };
}

/** Whether a dotted pattern matches a column path of `dialect` (table segments, column, nested fields). */
export function matchDotted(pattern: ObjectPattern, path: readonly string[], dialect: Dialect): boolean {
  return pattern.matchesSegments(path, dialect);
}

/** Splits a dotted name; quoted identifiers with dots are rare enough in catalogs to ignore here. */
export function splitPath(path: string): string[] {
  return path.split('.');
}
