import { startBenchGateway } from '../bench-gateway.js';
import type { BenchGateway } from '../bench-gateway.js';
import type { BenchMssqlServer } from './tds-stand-in.js';

/** Reads and writes for the app (no masks), as a service behind the gateway would be allowed. */
const BENCH_POLICY = `
version: 1
rules:
  - id: no-drop
    effect: deny
    when: { action: { operation: [DROP TABLE] } }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

/**
 * Gatehouse (`startGateway`, in this process) with one `dialect: mssql` connection in front of
 * `server`. `tls: false` is the budget's comparison, as pgbench's: plaintext loopback clients
 * (tedious `encrypt: false`, ENCRYPT_NOT_SUP) and the upstream with `tls: disable`, the same bytes
 * on the wire as the relay carries. `tls: true`: clients must encrypt (the gateway answers
 * ENCRYPT_REQ) and the upstream is verify-full against the stand-in's CA (require for MSSQL_URL).
 */
export function startMssqlBenchGateway(server: BenchMssqlServer, tls: boolean): Promise<BenchGateway> {
  const upstreamTls = !tls
    ? { mode: 'disable' as const }
    : server.ca
      ? { mode: 'verify-full' as const, ca: server.ca, serverName: 'localhost' }
      : { mode: 'require' as const };
  return startBenchGateway({
    policy: { yaml: BENCH_POLICY },
    connection: {
      name: tls ? 'sales-tls' : 'sales',
      dialect: 'mssql',
      environment: 'prod',
      listen: { host: '127.0.0.1', port: 0 },
      allowPlaintextOnLoopback: !tls,
      upstream: { host: server.host, port: server.port, database: server.database, user: server.user, password: server.password, tls: upstreamTls },
    },
  });
}
