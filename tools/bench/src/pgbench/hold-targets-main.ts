/**
 * Diagnosis only: starts the bench database, the bare relay and Gatehouse (plaintext, demo policy)
 * in this process and keeps them up until SIGINT/SIGTERM, printing one JSON line with the pid and
 * endpoints, so syscalls can be counted from outside while pgbench runs against one target:
 *   strace -c -f -p <pid> & pgbench -n -S -M simple -c 4 -j 2 -T 3 -h 127.0.0.1 -p <port> …
 * SIGUSR2 samples a CPU profile for PROFILE_SECONDS (default 4) and prints where it was saved.
 * Run: node --conditions=@gatehouse/source --import tsx tools/bench/src/pgbench/hold-targets-main.ts
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuProfile } from './cpu-profile.js';
import { startBenchDatabase } from './bench-database.js';
import { gatehouseTarget, relayTarget } from './targets.js';

const policyFile = fileURLToPath(new URL('../../../../apps/gateway/demo/policy.yaml', import.meta.url));

const server = await startBenchDatabase();
const relay = await relayTarget(server);
const gatehouse = await gatehouseTarget(server, policyFile, false);
console.log(JSON.stringify({ pid: process.pid, direct: { port: server.port, user: server.user, password: server.password }, relay: relay.endpoint, gatehouse: gatehouse.endpoint, database: server.database }));

const stop = async (): Promise<void> => {
  await Promise.all([relay.stop(), gatehouse.stop()]);
  await server.stop();
  process.exit(0);
};
process.on('SIGUSR2', () => {
  const seconds = Number(process.env.PROFILE_SECONDS ?? 4);
  void cpuProfile(() => new Promise((done) => setTimeout(done, seconds * 1000))).then((profile) => {
    const file = join(tmpdir(), `gatehouse-hold-${Date.now()}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(JSON.stringify({ profile: file }));
  });
});
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
