// Diagnosis, not a budget: the gateway's own CPU per find-by-_id against a canned upstream.
// node --conditions=@gatehouse/source --import tsx tools/bench/src/mongodb/gateway-cost-main.ts [seconds] [rounds] [concurrency] [profile]
import { runGatewayCost } from './gateway-cost.js';

const [seconds, rounds, concurrency] = process.argv.slice(2, 5).map(Number);
console.log(
  await runGatewayCost({
    ...(seconds ? { seconds } : {}),
    ...(rounds ? { rounds } : {}),
    ...(concurrency ? { concurrency } : {}),
    profile: process.argv[5] === 'profile',
  }),
);
