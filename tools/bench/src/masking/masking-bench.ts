import type { MaskObligation, ResultColumn } from '@gatehouse/core';
import { BUILTIN_DETECTORS, builtinDetector, compileMaskPlan, createScanner, defaultDetectors } from '@gatehouse/masking';
import { ADVERSARIAL_UNITS, mixedTextValues, repeatTo } from './mixed-text.js';

export interface MaskingRow {
  readonly what: string;
  readonly value: number;
  readonly unit: string;
  readonly budget: string;
  readonly met: boolean | undefined;
}

const KEYS = { hash: 'bench-hash-key' };
const COLUMNS: ResultColumn[] = [
  { name: 'id', table: 'app.public.users', column: 'id', typeClass: 'number' },
  { name: 'email', table: 'app.public.users', column: 'email', typeClass: 'text' },
  { name: 'note', table: 'app.public.users', column: 'note', typeClass: 'text' },
];
const STRATEGIES = ['redact', 'partial', 'hash', 'format-preserving'] as const;
const DETECTORS_ON_NOTE = ['email', 'phone', 'credit_card', 'github_token'];

/**
 * Masking throughput with the package's public API, on what the wire path hands it: text-format
 * column values as bytes. Best of five timed passes after a warm-up pass.
 */
export function runMaskingBench(): MaskingRow[] {
  const rows: MaskingRow[] = [];

  const count = 100_000;
  const emails = Array.from({ length: count }, (_, i) => Buffer.from(`user${i}@example.com`));
  for (const kind of STRATEGIES) {
    const plan = compileMaskPlan({ dialect: 'postgres', columns: COLUMNS, obligation: columnRule(kind) }, { keys: KEYS });
    const seconds = bestSeconds(() => {
      for (let i = 0; i < count; i++) plan.maskTextValue(1, emails[i]!);
    });
    const perSecond = count / seconds;
    rows.push({ what: `column rule \`${kind}\` (text bytes)`, value: perSecond / 1e6, unit: 'M values/s', budget: '≥ 1 M values/s', met: perSecond >= 1e6 });
  }

  const values = mixedTextValues(50_000);
  const megabytes = values.reduce((sum, value) => sum + Buffer.byteLength(value), 0) / 1e6;
  const scan = createScanner(defaultDetectors());
  const scanRate = megabytes / bestSeconds(() => values.forEach((value) => scan(value)));
  rows.push({ what: 'content scan, default detectors, mixed text', value: scanRate, unit: 'MB/s', budget: '≥ 100 MB/s per core', met: scanRate >= 100 });

  const detectPlan = compileMaskPlan({ dialect: 'postgres', columns: COLUMNS, obligation: detectorObligation() }, { keys: KEYS });
  const bytes = values.map((value) => Buffer.from(value));
  const planRate = megabytes / bestSeconds(() => bytes.forEach((value) => detectPlan.maskTextValue(2, value)));
  rows.push({ what: `plan with detectors (${DETECTORS_ON_NOTE.join(', ')}), text bytes`, value: planRate, unit: 'MB/s', budget: '≥ 100 MB/s per core', met: planRate >= 100 });

  rows.push(...adversarialRows());

  const compileInput = {
    dialect: 'postgres' as const,
    columns: COLUMNS,
    lineage: [{ output: 'email', position: 1, sources: ['app.public.users.email'], direct: true }],
    obligation: { ...columnRule('partial'), detectors: [{ detector: 'email', strategy: { kind: 'redact' as const }, rule: 'd' }] },
  };
  const compiles = 20_000;
  const compileSeconds = bestSeconds(() => {
    for (let i = 0; i < compiles; i++) compileMaskPlan(compileInput, { keys: KEYS });
  });
  rows.push({ what: 'plan compilation (3 columns, 1 rule, 1 detector)', value: (compileSeconds / compiles) * 1e6, unit: 'µs', budget: '—', met: undefined });
  return rows;
}

/**
 * Linear time: every built-in detector over each adversarial unit repeated to 64 KiB and to
 * 256 KiB. Linear scanning takes 4× as long on the larger input, quadratic 16×; the budget line
 * uses the unit test's threshold (< 8×). Also the slowest unit's throughput.
 */
function adversarialRows(): MaskingRow[] {
  const scanAll = createScanner(BUILTIN_DETECTORS.map((name) => builtinDetector(name)));
  const small = 64 * 1024;
  let worstRatio = 0;
  let worstUnit = '';
  let slowestRate = Infinity;
  let slowestUnit = '';
  for (const unit of ADVERSARIAL_UNITS) {
    const smallText = repeatTo(unit, small);
    const largeText = repeatTo(unit, small * 4);
    const smallSeconds = bestSeconds(() => scanAll(smallText));
    const largeSeconds = bestSeconds(() => scanAll(largeText));
    const ratio = largeSeconds / smallSeconds;
    if (ratio > worstRatio) [worstRatio, worstUnit] = [ratio, unit];
    const rate = (small * 4) / 1e6 / largeSeconds;
    if (rate < slowestRate) [slowestRate, slowestUnit] = [rate, unit];
  }
  return [
    { what: `adversarial input, worst growth 64→256 KiB (${JSON.stringify(worstUnit)})`, value: worstRatio, unit: '× time for 4× input', budget: 'linear (< 8×)', met: worstRatio < 8 },
    { what: `adversarial input, slowest unit (${JSON.stringify(slowestUnit)}), all detectors`, value: slowestRate, unit: 'MB/s', budget: '—', met: undefined },
  ];
}

function columnRule(kind: (typeof STRATEGIES)[number]): MaskObligation {
  return { columns: [{ pattern: '*.*.users.email', strategy: { kind }, rule: 'bench' }], detectors: [], customDetectors: [], failure: 'best-effort' };
}

function detectorObligation(): MaskObligation {
  return {
    columns: [],
    detectors: DETECTORS_ON_NOTE.map((detector) => ({ detector, strategy: { kind: 'redact' as const }, rule: detector })),
    customDetectors: [],
    failure: 'best-effort',
  };
}

/** Best of five timed passes after one warm-up pass; short passes repeat until they span ≥ 20 ms. */
function bestSeconds(run: () => void): number {
  run();
  let repeat = 1;
  for (;;) {
    const start = performance.now();
    for (let k = 0; k < repeat; k++) run();
    if (performance.now() - start >= 20 || repeat >= 1 << 16) break;
    repeat *= 4;
  }
  let best = Infinity;
  for (let pass = 0; pass < 5; pass++) {
    const start = performance.now();
    for (let k = 0; k < repeat; k++) run();
    best = Math.min(best, (performance.now() - start) / repeat);
  }
  return best / 1000;
}

export function maskingTable(rows: readonly MaskingRow[]): string {
  const lines = ['| measurement | value | unit | budget | met |', '|---|---:|---|---|---|'];
  for (const row of rows) {
    const value = row.value >= 100 ? row.value.toFixed(0) : row.value.toFixed(2);
    lines.push(`| ${row.what} | ${value} | ${row.unit} | ${row.budget} | ${row.met === undefined ? '—' : row.met ? 'yes' : 'NO'} |`);
  }
  return lines.join('\n');
}
