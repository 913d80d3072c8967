// node --conditions=@gatehouse/source --import tsx tools/bench/src/mssql/main.ts [seconds] [rounds] [concurrency] [tls-seconds]
// tls-seconds 0 leaves the TLS table out.
import { runMssqlBench } from './mssql-bench.js';

const [seconds, rounds, concurrency, tlsSeconds] = process.argv.slice(2).map(Number);
const table = await runMssqlBench({
  ...(seconds ? { seconds } : {}),
  ...(rounds ? { rounds } : {}),
  ...(concurrency ? { concurrency } : {}),
  ...(tlsSeconds === 0 ? { tls: false } : tlsSeconds ? { tlsSeconds } : {}),
});
console.log(table);
