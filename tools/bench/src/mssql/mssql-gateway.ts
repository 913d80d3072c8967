import type { MssqlServer } from '@gatehouse/testkit';
import { startBenchGateway } from '../bench-gateway.js';
import type { BenchGateway } from '../bench-gateway.js';

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
 * Gatehouse with one `dialect: mssql` connection in front of `server` (the adapter registry's `mssql`
 * entry). Clients speak TLS to the gateway (tedious always encrypts towards it) and the gateway
 * speaks TLS upstream (`tls: require`), so the direct and relay targets are run with TLS too.
 */
export function startMssqlBenchGateway(server: MssqlServer): Promise<BenchGateway> {
  return startBenchGateway({
    policy: { yaml: BENCH_POLICY },
    connection: {
      name: 'sales',
      dialect: 'mssql',
      environment: 'prod',
      listen: { host: '127.0.0.1', port: 0 },
      allowPlaintextOnLoopback: false,
      upstream: { host: server.host, port: server.port, database: server.database, user: server.user, password: server.password, tls: { mode: server.tls ? 'require' : 'disable' } },
    },
  });
}
