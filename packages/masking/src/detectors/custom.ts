import type { CustomDetectorSpec } from '@gatehouse/core';
import { CustomDetectorError } from '../errors.js';
import { compileSafeRegex } from '../safe-regex/matcher.js';
import type { Detector, DetectorMatch } from './types.js';
import { wordListDetector } from './word-list.js';

/**
 * A detector defined in policy. Regexes run on the package's linear-time Pike VM (never on the
 * backtracking RegExp engine); word lists compile to Aho-Corasick. Both refuse bad input with a
 * CustomDetectorError that names the detector.
 */
export function customDetector(spec: CustomDetectorSpec): Detector {
  const hasRegex = spec.regex !== undefined;
  const hasWords = spec.words !== undefined;
  if (hasRegex === hasWords) {
    throw new CustomDetectorError(spec.name, 'give exactly one of regex or words.');
  }
  if (hasWords) {
    if (!spec.words!.some((w) => w.trim().length > 0)) throw new CustomDetectorError(spec.name, 'the word list is empty.');
    return wordListDetector(spec.name, spec.words!);
  }
  const finder = compileSafeRegex(spec.name, spec.regex!);
  return {
    name: spec.name,
    optIn: false,
    find(text: string, out: DetectorMatch[]): void {
      finder(text, (start, end) => out.push({ start, end, detector: spec.name }));
    },
  };
}
