const OPEN_RANGE = /^\{\d*,\d*\}/;

/** True when the text at `index` is an unbounded-ish repeat: `*`, `+` or `{n,}` / `{n,m}`. */
function isRepeat(source: string, index: number): boolean {
  const char = source[index];
  return char === '*' || char === '+' || (char === '{' && OPEN_RANGE.test(source.slice(index)));
}

/**
 * Finds a repeated group that itself contains a repeat, e.g. `(a+)+` or `(\w+\s)*`: the classic
 * shape of catastrophic backtracking. Masking scans untrusted result text with these regexes, so
 * policy refuses them rather than risk a stalled gateway. A heuristic that errs towards refusing;
 * `?` and fixed counts like `{3}` are not treated as repeats.
 */
export function hasNestedQuantifier(source: string): boolean {
  const groups: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') {
      inClass = true;
    } else if (char === '(') {
      groups.push(false);
    } else if (char === ')') {
      const innerRepeats = groups.pop() ?? false;
      const repeated = isRepeat(source, i + 1);
      if (innerRepeats && repeated) return true;
      if ((innerRepeats || repeated) && groups.length > 0) groups[groups.length - 1] = true;
    } else if (isRepeat(source, i) && groups.length > 0) {
      groups[groups.length - 1] = true;
    }
  }
  return false;
}
