// Prints the false-positive rate of the built-in detectors on the ordinary-text corpus.
// Run from /work/main: npx tsx packages/masking/scripts/false-positive-rate.ts
import { falsePositiveReport } from '../src/fixtures/false-positives.js';

const report = falsePositiveReport();
console.log(`lines: ${report.lines}`);
console.log(`lines flagged by default detectors: ${report.flaggedLines} (${(report.rate * 100).toFixed(2)}%)`);
for (const [name, count] of Object.entries(report.byDetector)) {
  console.log(`  ${name.padEnd(16)} ${count} (${((count / report.lines) * 100).toFixed(2)}%)`);
}
for (const example of report.examples) console.log(`  e.g. ${example}`);
