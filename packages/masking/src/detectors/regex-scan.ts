import type { DetectorMatch } from './types.js';

/**
 * Runs a global regex over text and pushes validated matches. The regexes given here are written to
 * be linear: bounded quantifiers only, and no two quantifiers that can consume the same characters.
 */
export function scanRegex(
  regex: RegExp,
  text: string,
  out: DetectorMatch[],
  detector: string,
  accept: (match: RegExpExecArray) => boolean,
): void {
  regex.lastIndex = 0;
  for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
    if (accept(m)) out.push({ start: m.index, end: m.index + m[0].length, detector });
  }
}
