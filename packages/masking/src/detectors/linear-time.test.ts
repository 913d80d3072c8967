import { describe, expect, it } from 'vitest';
import { redactText } from '../text/redact-text.js';
import { fallbackLiteralRedactor } from '../text/sql-literals.js';
import { BUILTIN_DETECTORS, builtinDetector } from './builtin.js';
import { customDetector } from './custom.js';
import { createScanner } from './scan.js';
import type { DetectorMatch } from './types.js';

/*
 * Shape of growth, not a wall-clock bound: scanning 4× the input must take well under 16× (the
 * quadratic ratio). Min of a few interleaved runs smooths out GC and JIT noise; 10 leaves room for
 * cache effects and a loaded machine while still failing anything quadratic. A timing test can
 * still lose to a burst of load, so the file retries: a super-linear scan fails every attempt.
 */
const SMALL = 256 * 1024;
const MAX_RATIO = 10;
const ROUNDS = 5;

function fill(unit: string, size: number): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

function timeOnce(run: () => void, repeat: number): number {
  const t0 = performance.now();
  for (let k = 0; k < repeat; k++) run();
  return performance.now() - t0;
}

/**
 * Time(1 MiB) / time(256 KiB). Small and large runs are interleaved and the minimum of each kept,
 * so load from other test files hits both alike; fast scans repeat so each run spans ≥ 5 ms.
 */
function ratio(scan: (text: string) => unknown, unit: string, smallSize = SMALL): number {
  const small = fill(unit, smallSize);
  const large = fill(unit, smallSize * 4);
  const once = timeOnce(() => scan(small), 1);
  const repeat = Math.max(1, Math.ceil(5 / Math.max(once, 0.05)));
  let bestSmall = Infinity;
  let bestLarge = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    bestSmall = Math.min(bestSmall, timeOnce(() => scan(small), repeat));
    bestLarge = Math.min(bestLarge, timeOnce(() => scan(large), repeat));
  }
  return bestLarge / bestSmall;
}

const ADVERSARIAL = [
  'a',
  '@',
  '1',
  '1-',
  '1 ',
  'a@a.',
  'a.a@',
  'eyJ',
  'eyJ.',
  '://',
  'a:b@',
  'A',
  'AB1',
  '1.',
  ':',
  '1:',
  'ab::',
  'AKIA',
  'ghp_',
  'glpat-',
  'xoxb-1',
  '-----BEGIN ',
  '-----BEGIN PRIVATE KEY-----',
  'password=',
  '"password":"',
  '+1',
  '(1) ',
  'Aa1/',
];

describe('linear time on adversarial input (256 KiB vs 1 MiB)', { retry: 2 }, () => {
  const all = BUILTIN_DETECTORS.map((n) => builtinDetector(n));
  const scanAll = createScanner(all);

  for (const unit of ADVERSARIAL) {
    it(`all detectors on ${JSON.stringify(unit)}.repeat`, () => {
      expect(ratio(scanAll, unit), JSON.stringify(unit)).toBeLessThan(MAX_RATIO);
    });
  }

  // The dialect lexers belong to @gatehouse/sql and are tested there; this pins down our own steps.
  // These inputs rewrite half a million fragments, so allocation, not the scan, dominates at 1 MiB;
  // 128 KiB vs 512 KiB still tells linear (4×) from quadratic (16×) without GC noise.
  it('redactText (quoted fragments, Key details, detectors) on adversarial input', () => {
    for (const unit of ["'", '"', 'Key (a)=(', "a'b\"", "'\n"]) {
      const r = ratio((t) => redactText(t, { literalRedactor: fallbackLiteralRedactor }), unit, SMALL / 2);
      expect(r, JSON.stringify(unit)).toBeLessThan(MAX_RATIO);
    }
  });

  // The Pike VM runs every thread in lock step: linear, but a constant factor above the native
  // detectors, so its growth is measured on 32 KiB vs 128 KiB (still 4×) to keep the file quick.
  it('custom regexes with nested and adjacent quantifiers', () => {
    for (const [regex, unit] of [
      ['(a+)+b', 'a'],
      ['\\d+\\d+\\d+x', '1'],
      ['(?i)[a-z]+@[a-z]+\\.[a-z]{2,}', 'a@a.'],
    ] as const) {
      const d = customDetector({ name: 'c', regex });
      expect(ratio((t) => d.find(t, [] as DetectorMatch[]), unit, SMALL / 8), regex).toBeLessThan(MAX_RATIO);
    }
  });

  it('custom word lists', () => {
    const d = customDetector({ name: 'w', words: ['aaaa', 'aaab', 'project falcon'] });
    expect(ratio((t) => d.find(t, [] as DetectorMatch[]), 'a')).toBeLessThan(MAX_RATIO);
  });
});
