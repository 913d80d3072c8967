import { LITERAL_TRIGGER } from './triggers.js';
import { isAlnum, isAlpha } from './chars.js';
import type { Detector, DetectorMatch } from './types.js';

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

/**
 * Email addresses. Anchors on each '@' (indexOf), walks left over at most 64 local-part characters
 * and right over at most 253 domain characters, so every '@' costs O(1) and the scan is linear even
 * on 'a@a.a@a.…'. The domain needs a dot and an alphabetic TLD, which rules out `pkg@1.2.3`,
 * `user@localhost` and decorators like `@Component`.
 */
export function emailDetector(): Detector {
  return {
    name: 'email',
    optIn: false,
    trigger: LITERAL_TRIGGER,
    find(text: string, out: DetectorMatch[]): void {
      let from = 0;
      let lastEnd = 0;
      for (;;) {
        const at = text.indexOf('@', from);
        if (at < 0) return;
        from = at + 1;
        let start = at;
        const leftLimit = Math.max(lastEnd, at - MAX_LOCAL);
        while (start > leftLimit && isLocalChar(text.charCodeAt(start - 1))) start--;
        while (start < at && text.charCodeAt(start) === 46) start++; // no leading dot
        if (start === at) continue;
        const end = domainEnd(text, at + 1);
        if (end < 0) continue;
        out.push({ start, end, detector: 'email' });
        from = end;
        lastEnd = end;
      }
    },
  };
}

function isLocalChar(c: number): boolean {
  // letters, digits and . _ % + - '
  return isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || c === 39;
}

/** End of a valid domain starting at `from`, or -1. */
function domainEnd(text: string, from: number): number {
  const limit = Math.min(text.length, from + MAX_DOMAIN);
  let i = from;
  let labelStart = from;
  let labels = 0;
  let lastLabelStart = -1;
  let lastLabelEnd = -1;
  while (i <= limit) {
    const c = i < limit ? text.charCodeAt(i) : -1;
    if (c >= 0 && (isAlnum(c) || c === 45)) {
      i++;
      continue;
    }
    // A label ends here (at '.', or at anything else).
    const length = i - labelStart;
    if (length === 0 || length > 63) break;
    if (text.charCodeAt(labelStart) === 45 || text.charCodeAt(i - 1) === 45) break;
    labels++;
    lastLabelStart = labelStart;
    lastLabelEnd = i;
    if (c === 46 && i + 1 < limit && isAlnum(text.charCodeAt(i + 1))) {
      i++;
      labelStart = i;
      continue;
    }
    break;
  }
  if (labels < 2) return -1;
  // The TLD is alphabetic (or an IDN xn-- label), 2–24 characters.
  const tldLength = lastLabelEnd - lastLabelStart;
  if (tldLength < 2 || tldLength > 24) return -1;
  if (!text.startsWith('xn--', lastLabelStart)) {
    for (let k = lastLabelStart; k < lastLabelEnd; k++) if (!isAlpha(text.charCodeAt(k))) return -1;
  }
  return lastLabelEnd;
}
