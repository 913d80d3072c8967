import type { SqlDialect } from '@gatehouse/core';
import type { DialectModule } from './dialect-module.js';
import { createMssqlModule } from './mssql/module.js';
import { createMysqlModule } from './mysql/module.js';
import { createPostgresModule } from './postgres/module.js';

/** Every SQL dialect's module, loaded once (the PostgreSQL parser is WASM). */
export async function loadDialectModules(): Promise<Record<SqlDialect, DialectModule>> {
  const [postgres, mysql, mssql] = await Promise.all([createPostgresModule(), createMysqlModule(), createMssqlModule()]);
  return { postgres, mysql, mssql };
}
