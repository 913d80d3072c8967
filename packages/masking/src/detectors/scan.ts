import type { Detector, DetectorMatch } from './types.js';

/** Runs detectors over text; returns non-overlapping matches in text order. */
export type Scanner = (text: string) => readonly DetectorMatch[];

const NONE: readonly DetectorMatch[] = [];

interface TriggerGroup {
  readonly trigger: RegExp | undefined;
  readonly detectors: Detector[];
}

/**
 * Builds a scanner over the given detectors. Detectors are grouped by trigger; each trigger is
 * tested once per text and its detectors run only when it matches. Overlapping matches keep the
 * earliest, then the longest, widened to cover both.
 */
export function createScanner(detectors: readonly Detector[]): Scanner {
  const groups: TriggerGroup[] = [];
  for (const detector of detectors) {
    const group = groups.find((g) => g.trigger === detector.trigger);
    if (group) group.detectors.push(detector);
    else groups.push({ trigger: detector.trigger, detectors: [detector] });
  }
  return (text: string): readonly DetectorMatch[] => {
    if (text.length === 0) return NONE;
    let out: DetectorMatch[] | undefined;
    for (const group of groups) {
      if (group.trigger !== undefined && !group.trigger.test(text)) continue;
      out ??= [];
      for (const detector of group.detectors) detector.find(text, out);
    }
    return out === undefined || out.length === 0 ? NONE : resolveOverlaps(out);
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
