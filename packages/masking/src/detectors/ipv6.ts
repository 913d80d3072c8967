import { isIPv6 } from 'node:net';
import type { Detector, DetectorMatch } from './types.js';

const MAX_ADDRESS = 45;

/**
 * IPv6 addresses. Anchors on ':' (indexOf), takes the surrounding run of hex digits, colons and
 * dots (at most 45 characters, the longest textual IPv6), and confirms with node:net. A run needs
 * '::' or seven colons, so times (10:22:33) and MACs (00:1a:2b:3c:4d:5e) never reach isIPv6; each
 * run is inspected once, so the scan is linear.
 */
export function ipv6Detector(): Detector {
  return {
    name: 'ipv6',
    optIn: false,
    find(text: string, out: DetectorMatch[]): void {
      let from = 0;
      for (;;) {
        const colon = text.indexOf(':', from);
        if (colon < 0) return;
        let start = colon;
        const leftLimit = Math.max(from, colon - MAX_ADDRESS);
        while (start > leftLimit && isAddressChar(text.charCodeAt(start - 1))) start--;
        let end = colon + 1;
        while (end < text.length && isAddressChar(text.charCodeAt(end))) end++;
        from = end;
        if (end - start > MAX_ADDRESS || end - start < 2) continue;
        if (start > 0 && isWordGlue(text.charCodeAt(start - 1))) continue;
        if (end < text.length && isWordGlue(text.charCodeAt(end))) continue;
        // A trailing dot ends a sentence, not the address.
        let stop = end;
        while (stop > start && text.charCodeAt(stop - 1) === 46) stop--;
        const candidate = text.slice(start, stop);
        if (!plausible(candidate) || !isIPv6(candidate)) continue;
        out.push({ start, end: stop, detector: 'ipv6' });
      }
    },
  };
}

function isAddressChar(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46;
}

function isWordGlue(c: number): boolean {
  return (c >= 71 && c <= 90) || (c >= 103 && c <= 122) || c === 95;
}

function plausible(candidate: string): boolean {
  if (candidate.includes('::')) return candidate.length > 2;
  let colons = 0;
  for (let i = 0; i < candidate.length; i++) if (candidate.charCodeAt(i) === 58) colons++;
  return colons === 7 || (colons === 6 && candidate.includes('.'));
}
