import { startMssql } from '@gatehouse/testkit';
import type { MssqlServer } from '@gatehouse/testkit';
import { Connection, Request, TYPES } from 'tedious';
import { median, shuffled } from '../stats.js';
import { startTcpRelay } from '../tcp-relay.js';
import { startMssqlBenchGateway } from './mssql-gateway.js';

export interface MssqlBenchOptions {
  /** Seconds per target measurement. Default 5. */
  readonly seconds?: number;
  /** Interleaved rounds; each round runs every target once, in shuffled order. Default 3. */
  readonly rounds?: number;
  /** Connections, each running point selects back to back. Default 8. */
  readonly concurrency?: number;
  /** Rows the point selects pick from. Default 1,000. */
  readonly rows?: number;
}

type TargetName = 'direct' | 'relay' | 'gatehouse';
const TARGETS: readonly TargetName[] = ['direct', 'relay', 'gatehouse'];
const POINT_SELECT = 'SELECT id, name, email FROM bench_accounts WHERE id = @id';

function connectTedious(port: number, host: string, user: string, password: string, database: string | undefined): Promise<Connection> {
  const connection = new Connection({
    server: host,
    options: { port, encrypt: true, trustServerCertificate: true, ...(database ? { database } : {}), connectTimeout: 15_000, requestTimeout: 30_000 },
    authentication: { type: 'default', options: { userName: user, password } },
  });
  connection.on('error', () => undefined);
  return new Promise((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve(connection))));
}

function exec(connection: Connection, text: string, id?: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let rows = 0;
    const request = new Request(text, (error) => (error ? reject(error) : resolve(rows)));
    request.on('row', () => void rows++);
    if (id === undefined) connection.execSqlBatch(request);
    else {
      request.addParameter('id', TYPES.Int, id);
      connection.execSql(request);
    }
  });
}

function close(connection: Connection): Promise<void> {
  return new Promise((resolve) => {
    if (connection.closed) return resolve();
    connection.once('end', () => resolve());
    connection.close();
  });
}

/** Point selects (sp_executesql with an int parameter) from every connection for `seconds`; returns selects per second. */
async function measure(connections: readonly Connection[], seconds: number, rows: number): Promise<number> {
  const deadline = performance.now() + seconds * 1_000;
  const started = performance.now();
  let done = 0;
  await Promise.all(
    connections.map(async (connection, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const found = await exec(connection, POINT_SELECT, ((worker * 7919 + i * 104729) % rows) + 1);
        if (found !== 1) throw new Error(`a point select returned ${found} rows`);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1_000);
}

async function seed(server: MssqlServer, rows: number): Promise<void> {
  const owner = await connectTedious(server.port, server.host, server.user, server.password, server.database);
  try {
    await exec(owner, "IF OBJECT_ID(N'bench_accounts', N'U') IS NOT NULL DROP TABLE bench_accounts");
    await exec(owner, 'CREATE TABLE bench_accounts (id int NOT NULL PRIMARY KEY, name nvarchar(100) NOT NULL, email nvarchar(200) NOT NULL)');
    for (let id = 1; id <= rows; id += 500) {
      const values = Array.from({ length: Math.min(500, rows - id + 1) }, (_, k) => `(${id + k}, N'customer ${id + k}', N'c${id + k}@example.com')`);
      await exec(owner, `INSERT INTO bench_accounts (id, name, email) VALUES ${values.join(', ')}`);
    }
  } finally {
    await close(owner);
  }
}

/**
 * tedious point selects straight to the server, through a bare Node TCP relay, and through
 * Gatehouse (decided per statement, identity by token), in interleaved rounds within one run, all
 * with TLS (tedious encrypts towards the gateway whatever it is told, so the others do too).
 * Returns a markdown table of medians. Budget: Gatehouse ≥ 0.9 × relay.
 */
export async function runMssqlBench(options: MssqlBenchOptions = {}): Promise<string> {
  const seconds = options.seconds ?? 5;
  const rounds = options.rounds ?? 3;
  const concurrency = options.concurrency ?? 8;
  const rows = options.rows ?? 1_000;
  const server = await startMssql({ tls: 'on' });
  const relay = await startTcpRelay({ host: server.host, port: server.port });
  const gateway = await startMssqlBenchGateway(server);
  const results = new Map<TargetName, number[]>();
  const pools = new Map<TargetName, Connection[]>();
  try {
    await seed(server, rows);
    const open = (target: TargetName): Promise<Connection> =>
      target === 'direct'
        ? connectTedious(server.port, server.host, server.user, server.password, server.database)
        : target === 'relay'
          ? connectTedious(relay.port, '127.0.0.1', server.user, server.password, server.database)
          : connectTedious(gateway.port, '127.0.0.1', gateway.user, gateway.token, undefined);
    for (const target of TARGETS) pools.set(target, await Promise.all(Array.from({ length: concurrency }, () => open(target))));
    for (let round = 0; round < rounds; round++) {
      for (const target of shuffled(TARGETS)) {
        const connections = pools.get(target)!;
        await measure(connections, Math.min(1, seconds), rows); // warm-up
        results.set(target, [...(results.get(target) ?? []), await measure(connections, seconds, rows)]);
      }
    }
  } finally {
    for (const connections of pools.values()) await Promise.all(connections.map(close));
    await gateway.stop();
    await relay.stop();
    await server.stop();
  }
  const [direct, relayed, gated] = TARGETS.map((target) => median(results.get(target) ?? []));
  return [
    `SQL Server (${server.kind === 'tds-test-server' ? 'TDS stand-in over SQLite, not SQL Server' : 'MSSQL_URL'}), tedious point selects (sp_executesql), ${concurrency} connections, TLS on every hop, ${rounds} interleaved rounds × ${seconds} s, medians (selects/s)`,
    '',
    '| workload | direct | bare TCP relay | Gatehouse | Gatehouse / relay |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| point select | ${Math.round(direct!)} | ${Math.round(relayed!)} | ${Math.round(gated!)} | ${(gated! / relayed!).toFixed(2)} |`,
  ].join('\n');
}
