// Test-only child entry: the SQL Server test gateway in a process of its own, for memory tests
// (forked by `startGatewayProcess` from @gatehouse/testkit).
import { serveGatewayInChild } from '@gatehouse/testkit';
import { startTestGateway } from './gateway-harness.js';
import type { MssqlUpstream, TestGatewayOptions } from './gateway-harness.js';

serveGatewayInChild(async (parameters) => {
  const { upstream, policyYaml, options } = parameters as { upstream: MssqlUpstream; policyYaml: string; options?: TestGatewayOptions };
  const gateway = await startTestGateway(upstream, policyYaml, options ?? {});
  return {
    port: gateway.port,
    cert: gateway.cert,
    token: (user, groups) => gateway.token(user, groups),
    stop: () => gateway.stop(),
  };
});
