import { fileURLToPath } from 'node:url';
import { decisionTable, runDecisionBench } from './decision-bench.js';

/**
 * `npm run bench`: every benchmark in one run, printed as markdown tables for docs/benchmarks.md.
 * Budgets (DESIGN.md): cached decision ≤ 5 µs p50; cold classification ≤ 100 µs p50 (postgres ≤ 50).
 */
const policyFile = fileURLToPath(new URL('../../../apps/gateway/demo/policy.yaml', import.meta.url));

console.log(`# Gatehouse benchmarks — node ${process.version}, ${new Date().toISOString()}\n`);
console.log('## Classification and decision (OLTP mix, demo policy)\n');
console.log(decisionTable(await runDecisionBench(policyFile)));
