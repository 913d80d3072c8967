// Throwaway throughput measurements for masking; run from /work/main:
//   npx tsx packages/masking/scripts/measure.ts
// Prints column-rule values/s (redact, partial, hash, format-preserving; text and typed),
// content-scan MB/s on mixed text, redactText MB/s, and plan compilation µs.
import type { MaskObligation, ResultColumn } from '@gatehouse/core';
import { compileMaskPlan, createScanner, defaultDetectors, redactText } from '../src/index.js';

const keys = { hash: 'bench-key' };
const columns: ResultColumn[] = [
  { name: 'id', table: 'app.public.users', column: 'id', typeClass: 'number' },
  { name: 'email', table: 'app.public.users', column: 'email', typeClass: 'text' },
  { name: 'note', table: 'app.public.users', column: 'note', typeClass: 'text' },
];

function obligation(kind: 'redact' | 'partial' | 'hash' | 'format-preserving'): MaskObligation {
  return {
    columns: [{ pattern: '*.*.users.email', strategy: { kind }, rule: 'r' }],
    detectors: [],
    customDetectors: [],
    failure: 'best-effort',
  };
}

function time(label: string, units: number, unit: string, run: () => void): void {
  run(); // warm up
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
  }
  const perSecond = units / (best / 1000);
  console.log(`${label.padEnd(44)} ${perSecond.toExponential(2)} ${unit}`);
}

// Column-rule masking.
const N = 200_000;
const emails = Array.from({ length: N }, (_, i) => `user${i}@example.com`);
const emailBytes = emails.map((e) => Buffer.from(e));
for (const kind of ['redact', 'partial', 'hash', 'format-preserving'] as const) {
  const plan = compileMaskPlan({ dialect: 'postgres', columns, obligation: obligation(kind) }, { keys });
  time(`column rule ${kind} (typed string)`, N, 'values/s', () => {
    for (let i = 0; i < N; i++) plan.maskTypedValue(1, emails[i]);
  });
  time(`column rule ${kind} (text bytes)`, N, 'values/s', () => {
    for (let i = 0; i < N; i++) plan.maskTextValue(1, emailBytes[i]!);
  });
}

// Content scan on realistic mixed text: mostly ordinary log/prose lines, ~2% with PII.
const ordinary = [
  '2024-01-05T10:22:33.123Z INFO request id=550e8400-e29b-41d4-a716-446655440000 path=/api/v1/orders/12345 status=200 took 34 ms',
  'The quick brown fox jumps over the lazy dog; this sentence is ordinary prose written for a benchmark.',
  'User 48213 updated their shipping preferences on March 3rd, and the order shipped two days later.',
  'warning: deprecated option --foo, use --bar instead (since version 2.14.1)',
  'Customer note: please deliver to the back door, ring twice, thanks!',
  'Order #A-99812 total 129.99 EUR, 3 items, paid by card ending 4242',
  'deploy worker@1.4.2 commit 3f786850e387550fdab836ed7e6dc881de23001b by ci-bot',
];
const pii = [
  'contact alice@example.com for details',
  'card 4111 1111 1111 1111 on file',
  'phone +44 20 7946 0958',
  'token ghp_aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5 leaked',
];
const values: string[] = [];
for (let i = 0; i < 50_000; i++) values.push(i % 50 === 0 ? `${pii[(i / 50) % pii.length]} #${i}` : ordinary[i % ordinary.length]!);
const totalBytes = values.reduce((sum, v) => sum + Buffer.byteLength(v), 0);
const scan = createScanner(defaultDetectors());
time('content scan, default detectors', totalBytes / 1e6, 'MB/s', () => {
  for (const v of values) scan(v);
});
const detectPlan = compileMaskPlan({
  dialect: 'postgres',
  columns,
  obligation: {
    columns: [],
    detectors: ['email', 'phone', 'credit_card', 'github_token'].map((d) => ({ detector: d, strategy: { kind: 'redact' as const }, rule: d })),
    customDetectors: [],
    failure: 'best-effort',
  },
});
time('plan with detectors, maskTypedValue', totalBytes / 1e6, 'MB/s', () => {
  for (const v of values) detectPlan.maskTypedValue(2, v);
});
const textSample = values.slice(0, 5000);
const textBytes = textSample.reduce((sum, v) => sum + v.length, 0);
time('redactText (postgres)', textBytes / 1e6, 'MB/s', () => {
  for (const v of textSample) redactText(v, { dialect: 'postgres' });
});

// Plan compilation.
const M = 20_000;
const input = {
  dialect: 'postgres' as const,
  columns,
  lineage: [{ output: 'email', position: 1, sources: ['app.public.users.email'], direct: true }],
  obligation: {
    ...obligation('partial'),
    detectors: [{ detector: 'email', strategy: { kind: 'redact' as const }, rule: 'd' }],
  },
};
compileMaskPlan(input);
const t0 = performance.now();
for (let i = 0; i < M; i++) compileMaskPlan(input);
console.log(`${'plan compilation (3 columns, 1 rule, 1 detector)'.padEnd(44)} ${(((performance.now() - t0) * 1000) / M).toFixed(2)} µs`);
