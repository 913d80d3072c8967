// node --conditions=@gatehouse/source --import tsx tools/bench/src/mssql/main.ts [seconds] [rounds] [concurrency]
import { runMssqlBench } from './mssql-bench.js';

const [seconds, rounds, concurrency] = process.argv.slice(2).map(Number);
const table = await runMssqlBench({
  ...(seconds ? { seconds } : {}),
  ...(rounds ? { rounds } : {}),
  ...(concurrency ? { concurrency } : {}),
});
console.log(table);
