// Where the gateway spends its CPU under tedious point selects (diagnosis, not a budget):
// node --conditions=@gatehouse/source --import tsx tools/bench/src/mssql/profile-main.ts [seconds] [plain|tls] [relay]
// Prints the gateway's (or, with `relay`, the bare relay's) CPU per select, then self-time hot spots
// under the V8 profiler, and saves the .cpuprofile.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuProfile, hotSpots } from '../pgbench/cpu-profile.js';
import { ownCpu } from '../pgbench/process-cpu.js';
import { startTcpRelay } from '../tcp-relay.js';
import { startTediousLoad } from './load-driver.js';
import { startMssqlBenchGateway } from './mssql-gateway.js';
import { startBenchMssqlServer } from './tds-stand-in.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const seconds = Number(process.argv[2] ?? 5);
const tls = process.argv[3] === 'tls';
const viaRelay = process.argv[4] === 'relay';
const ROWS = 1_000;

const server = await startBenchMssqlServer();
const gateway = viaRelay ? undefined : await startMssqlBenchGateway(server, tls);
const relay = viaRelay ? await startTcpRelay({ host: server.host, port: server.port }) : undefined;
const load = startTediousLoad();
try {
  const direct = { host: server.host, port: server.port, user: server.user, password: server.password, database: server.database };
  await load.seed({ ...direct, encrypt: false }, ROWS);
  await load.open('target', gateway ? { host: '127.0.0.1', port: gateway.port, user: gateway.user, password: gateway.token, encrypt: tls } : { ...direct, port: relay!.port, encrypt: tls }, 8);
  await load.measure('target', 2, ROWS); // warm-up
  const before = ownCpu();
  const plain = await load.measure('target', seconds, ROWS);
  const after = ownCpu();
  const user = (after.userUs - before.userUs) / plain.selects;
  const system = (after.systemUs - before.systemUs) / plain.selects;
  console.log(`${viaRelay ? 'relay' : 'gateway'} (${tls ? 'TLS' : 'plaintext'}): ${((plain.selects * 1000) / plain.elapsedMs).toFixed(0)} selects/s; CPU per select ${(user + system).toFixed(1)} µs (${user.toFixed(1)} user + ${system.toFixed(1)} sys)`);
  let profiled = { selects: 0, elapsedMs: 1 };
  const profile = await cpuProfile(async () => {
    profiled = await load.measure('target', seconds, ROWS);
  });
  const file = join(tmpdir(), `gatehouse-mssql-${Date.now()}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  const spots = hotSpots(profile, REPO_ROOT);
  console.log(`under the profiler: ${((profiled.selects * 1000) / profiled.elapsedMs).toFixed(0)} selects/s, busy ${spots.busyPercent.toFixed(0)} %; profile ${file}`);
  for (const area of spots.areas.slice(0, 12)) console.log(`  area ${area.name}: ${area.selfPercent.toFixed(1)} %`);
  for (const spot of spots.functions.slice(0, 40)) console.log(`  ${spot.selfPercent.toFixed(1).padStart(5)} %  ${spot.name}  ${spot.location}`);
} finally {
  await load.stop();
  await gateway?.stop();
  await relay?.stop();
  await server.stop();
}
