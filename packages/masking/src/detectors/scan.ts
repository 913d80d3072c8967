import type { Detector, DetectorMatch } from './types.js';

/** Runs detectors over text; returns non-overlapping matches in text order. */
export type Scanner = (text: string) => readonly DetectorMatch[];

const NONE: readonly DetectorMatch[] = [];

/** Builds a scanner over the given detectors. Overlaps keep the earliest, then the longest, match. */
export function createScanner(detectors: readonly Detector[]): Scanner {
  const list = detectors.slice();
  return (text: string): readonly DetectorMatch[] => {
    if (text.length === 0) return NONE;
    let found: DetectorMatch[] | undefined;
    const out: DetectorMatch[] = [];
    for (const detector of list) {
      detector.find(text, out);
      if (out.length > 0) {
        found ??= [];
        for (const m of out) found.push(m);
        out.length = 0;
      }
    }
    return found === undefined ? NONE : resolveOverlaps(found);
  };
}

export function resolveOverlaps(matches: DetectorMatch[]): DetectorMatch[] {
  if (matches.length < 2) return matches;
  matches.sort((a, b) => a.start - b.start || b.end - a.end);
  const result: DetectorMatch[] = [];
  let lastEnd = -1;
  for (const m of matches) {
    if (m.start >= lastEnd) {
      result.push(m);
      lastEnd = m.end;
    } else if (m.end > lastEnd) {
      // Partial overlap: widen the kept span so no detected character escapes the mask.
      const prev = result[result.length - 1];
      if (prev) {
        result[result.length - 1] = { start: prev.start, end: m.end, detector: prev.detector };
        lastEnd = m.end;
      }
    }
  }
  return result;
}
