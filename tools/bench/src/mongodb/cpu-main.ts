// Diagnosis, not a budget: the relay's and the gateway's CPU per find-by-_id.
// node --conditions=@gatehouse/source --import tsx tools/bench/src/mongodb/cpu-main.ts [seconds] [rounds] [concurrency] [target…]
// The relay and the gateway run in this process, the driver in a load process per target, so this
// process's CPU is theirs alone. CPU is steadier than ops/s on a shared machine; it is reported
// with the ops/s it was measured at. A target `profile` adds a profiled run per target (.cpuprofile saved).
import { runMongoCpu } from './mongo-cpu.js';

const [seconds, rounds, concurrency, ...rest] = process.argv.slice(2);
const targets = rest.filter((target) => target !== 'profile');
console.log(
  await runMongoCpu({
    ...(seconds ? { seconds: Number(seconds) } : {}),
    ...(rounds ? { rounds: Number(rounds) } : {}),
    ...(concurrency ? { concurrency: Number(concurrency) } : {}),
    ...(targets.length > 0 ? { targets } : {}),
    profile: rest.includes('profile'),
  }),
);
