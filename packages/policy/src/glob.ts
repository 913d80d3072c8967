const SPECIALS = /[\\^$+?.()|[\]{}]/g;

function segmentSource(segment: string): string {
  return segment.replace(SPECIALS, '\\$&').replace(/\*/g, '[^.]*');
}

/**
 * Compiles a dotted-name glob to a regular expression source: `*` is one dotted segment (or part of
 * one, as in `*email*`), `**` is any number of segments, including none. Everything else is literal.
 */
export function globSource(pattern: string): string {
  const segments = pattern.split('.');
  if (segments.length === 1 && segments[0] === '**') return '^.*$';
  let source = '^';
  segments.forEach((segment, index) => {
    const first = index === 0;
    if (segment === '**') {
      // Leading: zero or more "seg." prefixes; elsewhere: zero or more ".seg" continuations.
      source += first ? '(?:[^.]*\\.)*' : '(?:\\.[^.]*)*';
      return;
    }
    const afterLeadingDoubleStar = index === 1 && segments[0] === '**';
    if (!first && !afterLeadingDoubleStar) source += '\\.';
    source += segmentSource(segment);
  });
  return `${source}$`;
}

/**
 * Object names are matched case-insensitively: identifier case rules differ per dialect (and per
 * quoting), and a deny rule must not be bypassed by writing `USERS` instead of `users`.
 */
export function compileGlob(pattern: string): RegExp {
  return new RegExp(globSource(pattern), 'i');
}

/** Why a glob is malformed, or undefined when it is fine. */
export function globProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'an empty pattern matches nothing; write a glob such as "*.*.users"';
  if (pattern.split('.').some((segment) => segment.length === 0)) {
    return `pattern "${pattern}" has an empty segment; segments are separated by single dots`;
  }
  if (/\*\*\*|[^.]\*\*|\*\*[^.]/.test(pattern)) {
    return `"**" must be a whole segment in "${pattern}" (write "a.**.b"); use "*" inside a segment`;
  }
  return undefined;
}
