import { isIPv6 } from 'node:net';
import { scanRegex } from './regex-scan.js';
import type { Detector, DetectorMatch } from './types.js';

// Hex groups joined by colons (each step starts with ':', so no ambiguity), optional embedded IPv4.
const CANDIDATE = /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|:)(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}(?![\w:])/g;

/** IPv6 addresses; candidates are confirmed by node:net, which rejects times (10:22:33) and MACs. */
export function ipv6Detector(): Detector {
  return {
    name: 'ipv6',
    optIn: false,
    find(text: string, out: DetectorMatch[]): void {
      if (text.indexOf(':') < 0) return;
      scanRegex(CANDIDATE, text, out, 'ipv6', (m) => /[0-9A-Fa-f]/.test(m[0]) && isIPv6(m[0]));
    },
  };
}
