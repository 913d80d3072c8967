import type { MongoServer } from '@gatehouse/testkit';
import { startBenchGateway } from '../bench-gateway.js';
import type { BenchGateway } from '../bench-gateway.js';

/** Reads and writes for the app (no masks), as a service behind the gateway would be allowed. */
const BENCH_POLICY = `
version: 1
rules:
  - id: no-drop
    effect: deny
    when: { action: { operation: [drop, dropDatabase] } }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

/**
 * Gatehouse with one `dialect: mongodb` connection in front of `server`. Plaintext on loopback on
 * both sides, so the bytes on the wire match the direct and relay targets (PLAIN is then accepted
 * without TLS, as `allowPlaintextOnLoopback` allows).
 */
export function startMongoBenchGateway(server: Pick<MongoServer, 'host' | 'port' | 'user' | 'password' | 'authSource'>): Promise<BenchGateway> {
  return startBenchGateway({
    policy: { yaml: BENCH_POLICY },
    connection: {
      name: 'docs',
      dialect: 'mongodb',
      environment: 'prod',
      listen: { host: '127.0.0.1', port: 0 },
      allowPlaintextOnLoopback: true,
      upstream: { host: server.host, port: server.port, database: server.authSource ?? 'admin', user: server.user ?? '', password: server.password ?? '', tls: { mode: 'disable' } },
    },
  });
}
