// The audit/telemetry overhead section on its own:
//   node --conditions=@gatehouse/source --import tsx tools/bench/src/pgbench/overhead-main.ts [seconds] [rounds]
// (also `npm run bench -- only=pgbench-overhead` once cli-options.ts lists the section). Markdown on stdout.
import { fileURLToPath } from 'node:url';
import { runOverheadBench } from './overhead-bench.js';

const [seconds = '10', rounds = '3'] = process.argv.slice(2);
const policyFile = fileURLToPath(new URL('../../../../apps/gateway/demo/policy.yaml', import.meta.url));
console.log(
  await runOverheadBench({ policyFile, seconds: Number(seconds), rounds: Number(rounds), progress: (line) => console.error(`[bench] ${line}`) }),
);
