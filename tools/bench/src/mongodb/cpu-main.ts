// Diagnosis, not a budget: this process's CPU per find-by-_id through the relay and through Gatehouse.
// node --conditions=@gatehouse/source --import tsx tools/bench/src/mongodb/cpu-main.ts [seconds] [rounds] [concurrency] [target…]
// The driver, the relay and the gateway share this process (and its one event loop), so the
// difference between targets is what the gateway costs per operation beyond a bare pipe. CPU is
// steadier than ops/s on a shared machine; it is reported with the ops/s it was measured at.
import { runMongoCpu } from './mongo-cpu.js';

const [seconds, rounds, concurrency, ...targets] = process.argv.slice(2);
console.log(
  await runMongoCpu({
    ...(seconds ? { seconds: Number(seconds) } : {}),
    ...(rounds ? { rounds: Number(rounds) } : {}),
    ...(concurrency ? { concurrency: Number(concurrency) } : {}),
    ...(targets.length > 0 ? { targets } : {}),
  }),
);
