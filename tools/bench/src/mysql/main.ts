import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runMysqlBench } from './mysql-bench.js';

/**
 * `node --conditions=@gatehouse/source --import tsx tools/bench/src/mysql/main.ts [--seconds 20]
 * [--rounds 3] [--threads 4] [--warmup 3] [--profile]`: the MySQL benchmark alone, markdown on
 * stdout, progress on stderr.
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string', default: '4' },
    tables: { type: 'string', default: '4' },
    'table-size': { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '3' },
    profile: { type: 'boolean', default: false },
  },
});
const number = (name: string, value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    console.error(`mysql bench: --${name} must be a whole number, not "${value}"`);
    process.exit(2);
  }
  return parsed;
};
const policyFile = fileURLToPath(new URL('../../../../apps/gateway/demo/policy.yaml', import.meta.url));
const load = (): string => loadavg().map((value) => value.toFixed(1)).join(' / ');

console.log(`## sysbench oltp_read_only through each target (MySQL/MariaDB)\n`);
console.log('Budget: Gatehouse ≥ 0.9 × the bare Node TCP relay in the same run.\n');
console.log(`node ${process.version}, ${availableParallelism()} CPUs; load average at start ${load()}.\n`);
console.log(
  await runMysqlBench({
    policyFile,
    seconds: number('seconds', values.seconds),
    rounds: number('rounds', values.rounds),
    threads: number('threads', values.threads),
    tables: number('tables', values.tables),
    tableSize: number('table-size', values['table-size']),
    warmupSeconds: number('warmup', values.warmup),
    profile: values.profile,
    progress: (line) => console.error(`[bench] ${line}`),
  }),
);
console.log(`Load average at end: ${load()}.`);
