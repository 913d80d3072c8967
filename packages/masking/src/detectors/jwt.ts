import { LITERAL_TRIGGER } from './triggers.js';
import { isBase64Char } from './chars.js';
import type { Detector, DetectorMatch } from './types.js';

/**
 * JSON Web Tokens: three base64url segments, the first two starting with `eyJ` (`{"`). Hand-written:
 * each base64url run is scanned once, and a failed candidate resumes after its run, so 'eyJeyJ…'
 * stays linear. The header must decode to a JSON object with "alg" or "typ".
 */
export function jwtDetector(): Detector {
  return {
    name: 'jwt',
    optIn: false,
    trigger: LITERAL_TRIGGER,
    find(text: string, out: DetectorMatch[]): void {
      let from = 0;
      for (;;) {
        const at = text.indexOf('eyJ', from);
        if (at < 0) return;
        if (at > 0 && isUrlChar(text.charCodeAt(at - 1))) {
          from = runEnd(text, at);
          continue;
        }
        const headerEnd = runEnd(text, at);
        from = headerEnd;
        if (text.charCodeAt(headerEnd) !== 46 || !text.startsWith('eyJ', headerEnd + 1)) continue;
        const payloadEnd = runEnd(text, headerEnd + 1);
        from = payloadEnd;
        if (payloadEnd - headerEnd < 6 || text.charCodeAt(payloadEnd) !== 46) continue;
        const signatureEnd = runEnd(text, payloadEnd + 1);
        from = signatureEnd;
        if (!headerLooksLikeJose(text.slice(at, headerEnd))) continue;
        out.push({ start: at, end: signatureEnd, detector: 'jwt' });
      }
    },
  };
}

function isUrlChar(c: number): boolean {
  return isBase64Char(c) && c !== 43 && c !== 47 && c !== 61;
}

function runEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && isUrlChar(text.charCodeAt(i))) i++;
  return i;
}

function headerLooksLikeJose(segment: string): boolean {
  if (segment.length > 4096) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && ('alg' in header || 'typ' in header);
  } catch {
    return false;
  }
}
