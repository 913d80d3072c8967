// node --conditions=@gatehouse/source --import tsx tools/bench/src/mongodb/main.ts [seconds] [rounds] [concurrency]
import { runMongoBench } from './mongo-bench.js';

const [seconds, rounds, concurrency] = process.argv.slice(2).map(Number);
const table = await runMongoBench({
  ...(seconds ? { seconds } : {}),
  ...(rounds ? { rounds } : {}),
  ...(concurrency ? { concurrency } : {}),
});
console.log(table);
