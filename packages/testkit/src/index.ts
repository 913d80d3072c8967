export { startPostgres, postgresBinDir, PostgresNotFoundError } from './servers/postgres-server.js';
export type { PostgresServer, PostgresServerOptions } from './servers/postgres-server.js';
export { createTestCertificates } from './tls/test-certificates.js';
export type { TestCertificates } from './tls/test-certificates.js';
export { ensureDebianPackages, isExecutable, MissingPackagesError } from './system/debian-packages.js';
export { runCommand, CommandFailedError } from './system/run-command.js';
export { freePort } from './system/free-port.js';
export { defineConformanceSuite } from './conformance/define-conformance-suite.js';
export type { ConformanceSuiteOptions } from './conformance/define-conformance-suite.js';
export {
  CONFORMANCE_BIG_ROWS,
  CONFORMANCE_IDENTITIES,
  CONFORMANCE_PEOPLE,
  CONFORMANCE_POLICY_YAML,
  CONFORMANCE_RULES,
  bigRowEmail,
} from './conformance/conformance-policy.js';
export { isConformanceError } from './conformance/conformance-target.js';
export type {
  ConformanceClient,
  ConformanceDeployment,
  ConformanceError,
  ConformanceFixture,
  ConformanceIdentity,
  ConformanceNativeErrors,
  ConformancePerson,
  ConformanceStatements,
  ConformanceTarget,
} from './conformance/conformance-target.js';
export { within, BoundExceededError } from './conformance/bounded.js';
export { startMariadb, MariadbNotFoundError } from './servers/mariadb-server.js';
export type { MariadbServer, MariadbServerOptions } from './servers/mariadb-server.js';
export { startMongo, jongodbBinary, MongoServerError } from './servers/mongodb-server.js';
export type { MongoServer, MongoServerOptions } from './servers/mongodb-server.js';
export { startMssql, MssqlServerError } from './servers/mssql-server.js';
export type { MssqlServer, MssqlServerEvent, MssqlServerOptions } from './servers/mssql-server.js';
export { startGatewayProcess, serveGatewayInChild, GATEWAY_PROCESS_PARAMETERS } from './memory/gateway-process.js';
export type { GatewayProcess, GatewayMemory, ChildGateway } from './memory/gateway-process.js';
export { prng, splitAt, feed } from './fuzz/seeded.js';
