/**
 * Wildcard match of one name against a pattern where `*` is any run of characters, case-insensitive
 * (SQL identifiers fold case in most servers; masking more is the safe side). Iterative, O(n·m).
 */
export function wildcardMatch(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const s = name.toLowerCase();
  let pi = 0;
  let si = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (pi < p.length && p[pi] !== '*' && p[pi] === s[si]) {
      pi++;
      si++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** A column rule's pattern: dotted (matched against a dotted path) or a bare name pattern. */
export interface CompiledPattern {
  readonly dotted: boolean;
  /** Dotted: the segments; name: one element. */
  readonly segments: readonly string[];
}

export function compilePattern(pattern: string): CompiledPattern {
  const segments = pattern.split('.');
  return { dotted: segments.length > 1, segments };
}

/**
 * Dotted glob match: `*` is exactly one segment (or a wildcard inside one), `**` any number of
 * segments. A path segment `?` (unknown, as in ObjectRef names) or `*` (a star source, "any column")
 * matches any pattern segment: when we cannot tell, we mask.
 */
export function matchDotted(pattern: readonly string[], path: readonly string[]): boolean {
  const memo = new Map<number, boolean>();
  const go = (pi: number, si: number): boolean => {
    const key = pi * 1024 + si;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (pi === pattern.length) result = si === path.length;
    else if (pattern[pi] === '**') result = go(pi + 1, si) || (si < path.length && go(pi, si + 1));
    else result = si < path.length && segmentMatches(pattern[pi]!, path[si]!) && go(pi + 1, si + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

function segmentMatches(pattern: string, segment: string): boolean {
  if (segment === '?' || segment === '*' || pattern === '*') return true;
  return wildcardMatch(pattern, segment);
}

/** Splits a dotted name; quoted identifiers with dots are rare enough in catalogs to ignore here. */
export function splitPath(path: string): string[] {
  return path.split('.');
}
