import type { MariadbServer } from '@gatehouse/testkit';
import { startBenchGateway } from '../bench-gateway.js';
import type { BenchGateway } from '../bench-gateway.js';

/**
 * Gatehouse with the demo policy and one `dialect: mysql` connection in front of `server`. Plaintext
 * on both sides (loopback clients allowed without TLS, upstream `tls: disable`): the same bytes on
 * the wire as the direct and relay targets, so the comparison is about what the gateway does, not
 * about TLS. The token is sysbench's `--mysql-password`.
 */
export function startMysqlBenchGateway(server: MariadbServer, policyFile: string): Promise<BenchGateway> {
  return startBenchGateway({
    policy: { file: policyFile },
    connection: {
      name: 'orders-mysql',
      dialect: 'mysql',
      environment: 'prod',
      listen: { host: '127.0.0.1', port: 0 },
      allowPlaintextOnLoopback: true,
      upstream: { host: server.host, port: server.port, database: server.database, user: server.user, password: server.password, tls: { mode: 'disable' } },
    },
  });
}
