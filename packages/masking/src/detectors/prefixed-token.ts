import { isAlnum } from './chars.js';
import type { Detector, DetectorMatch } from './types.js';

export interface PrefixedTokenSpec {
  readonly name: string;
  readonly prefixes: readonly string[];
  /** Characters allowed after the prefix. */
  readonly body: (c: number) => boolean;
  readonly minBody: number;
  readonly maxBody: number;
  /** Extra check on the whole token, e.g. "has a digit". */
  readonly validate?: (token: string) => boolean;
  readonly trigger?: RegExp;
}

/**
 * A detector for vendor tokens with a fixed prefix (ghp_, glpat-, xoxb-, sk_live_, AIza, AKIA …).
 * indexOf finds the prefix; the body scan stops after maxBody + 1 characters, so each occurrence
 * costs O(maxBody) and the whole scan is linear.
 */
export function prefixedTokenDetector(spec: PrefixedTokenSpec): Detector {
  const { name, prefixes, body, minBody, maxBody, validate, trigger } = spec;
  return {
    name,
    optIn: false,
    ...(trigger ? { trigger } : {}),
    find(text: string, out: DetectorMatch[]): void {
      for (const prefix of prefixes) {
        let from = 0;
        for (;;) {
          const at = text.indexOf(prefix, from);
          if (at < 0) break;
          from = at + 1;
          // The token must not continue a longer word (e.g. "XAKIA…").
          if (at > 0 && isTokenGlue(text.charCodeAt(at - 1))) continue;
          const bodyStart = at + prefix.length;
          const limit = Math.min(text.length, bodyStart + maxBody + 1);
          let end = bodyStart;
          while (end < limit && body(text.charCodeAt(end))) end++;
          const length = end - bodyStart;
          if (length < minBody || length > maxBody) continue;
          if (end < text.length && body(text.charCodeAt(end))) continue;
          if (validate && !validate(text.slice(at, end))) continue;
          out.push({ start: at, end, detector: name });
          from = end;
        }
      }
    },
  };
}

function isTokenGlue(c: number): boolean {
  return isAlnum(c) || c === 95;
}
