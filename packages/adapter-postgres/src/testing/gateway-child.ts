// Test-only child entry: the PostgreSQL test gateway in a process of its own, for memory tests
// (forked by `startGatewayProcess` from @gatehouse/testkit).
import { serveGatewayInChild } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { startTestGateway } from './gateway-harness.js';

serveGatewayInChild(async (parameters) => {
  const { server, policyYaml } = parameters as { server: PostgresServer; policyYaml: string };
  const gateway = await startTestGateway(server, policyYaml);
  return {
    port: gateway.port,
    cert: gateway.cert,
    token: (user, groups) => gateway.token(user, groups),
    stop: () => gateway.stop(),
  };
});
