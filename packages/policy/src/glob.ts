import { objectPatternProblem } from '@gatehouse/core';

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
  if (segments.length === 1 && segments[0] === '**') return '^[\\s\\S]*$'; // names may hold newlines
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
 * The plain dotted glob as one regex, with no notion of dialects or of names that lack a schema.
 * Policy conditions, masks and row filters use compileObjectPattern from @gatehouse/core instead;
 * this stays for callers that want the plain form.
 *
 * Object names are matched case-insensitively: identifier case rules differ per dialect (and per
 * quoting), and a deny rule must not be bypassed by writing `USERS` instead of `users`.
 */
export function compileGlob(pattern: string): RegExp {
  return new RegExp(globSource(pattern), 'i');
}

/** Why a glob is malformed, or undefined when it is fine (the shared object-pattern rules). */
export function globProblem(pattern: string): string | undefined {
  return objectPatternProblem(pattern);
}
