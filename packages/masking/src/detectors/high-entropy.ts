import { classCount, isBase64Char, shannonEntropy } from './chars.js';
import type { Detector, DetectorMatch } from './types.js';

export interface HighEntropyOptions {
  /** Minimum Shannon entropy in bits per character. Default 4.0 (above any hex string). */
  readonly threshold?: number;
  /** Minimum token length. Default 20. */
  readonly minLength?: number;
}

const MAX_TOKEN = 1024;

function isBodyChar(c: number): boolean {
  return isBase64Char(c) && c !== 61;
}

/**
 * Generic secrets: base64-ish tokens of at least `minLength` characters, using at least two of
 * lower/upper/digit, whose entropy reaches the threshold. Opt-in: it will also catch random ids.
 */
export function highEntropyDetector(options: HighEntropyOptions = {}): Detector {
  const threshold = options.threshold ?? 4.0;
  const minLength = options.minLength ?? 20;
  return {
    name: 'high_entropy',
    optIn: true,
    find(text: string, out: DetectorMatch[]): void {
      let i = 0;
      const n = text.length;
      while (i < n) {
        while (i < n && !isBodyChar(text.charCodeAt(i))) i++;
        const start = i;
        while (i < n && isBodyChar(text.charCodeAt(i))) i++;
        const length = i - start;
        if (length === 0) {
          i++;
          continue;
        }
        // '=' is base64 padding: part of a token only at its end (so "key=value" splits).
        while (i < n && text.charCodeAt(i) === 61 && i - start < length + 2) i++;
        if (length < minLength || length > MAX_TOKEN) continue;
        if (classCount(text, start, i) < 2) continue;
        if (shannonEntropy(text, start, start + length) >= threshold) out.push({ start, end: i, detector: 'high_entropy' });
      }
    },
  };
}
