export { startPostgres, postgresBinDir, PostgresNotFoundError } from './servers/postgres-server.js';
export type { PostgresServer, PostgresServerOptions } from './servers/postgres-server.js';
export { createTestCertificates } from './tls/test-certificates.js';
export type { TestCertificates } from './tls/test-certificates.js';
export { ensureDebianPackages, isExecutable, MissingPackagesError } from './system/debian-packages.js';
export { runCommand, CommandFailedError } from './system/run-command.js';
export { freePort } from './system/free-port.js';
export { startMongo, jongodbBinary, MongoServerError } from './servers/mongodb-server.js';
export type { MongoServer, MongoServerOptions } from './servers/mongodb-server.js';
