import { Connection, Request, TYPES } from 'tedious';

/** Where a tedious connection goes and how it logs in. */
export interface TediousTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Absent: the login's default (the gateway serves one database per connection). */
  readonly database?: string;
  /** TLS inside PRELOGIN (ENCRYPT_ON); false sends ENCRYPT_NOT_SUP, so the whole session is plaintext. */
  readonly encrypt: boolean;
}

export const POINT_SELECT = 'SELECT id, name, email FROM bench_accounts WHERE id = @id';

export function connectTedious(target: TediousTarget): Promise<Connection> {
  const connection = new Connection({
    server: target.host,
    options: {
      port: target.port,
      encrypt: target.encrypt,
      trustServerCertificate: true,
      ...(target.database ? { database: target.database } : {}),
      connectTimeout: 15_000,
      requestTimeout: 30_000,
    },
    authentication: { type: 'default', options: { userName: target.user, password: target.password } },
  });
  connection.on('error', () => undefined);
  return new Promise((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve(connection))));
}

/** A batch (no `id`) or the point select as sp_executesql with an int parameter; resolves to the rows seen. */
export function exec(connection: Connection, text: string, id?: number): Promise<number> {
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

export function close(connection: Connection): Promise<void> {
  return new Promise((resolve) => {
    if (connection.closed) return resolve();
    connection.once('end', () => resolve());
    connection.close();
  });
}

/** Point selects from every connection, back to back, for `seconds`; returns how many completed and how long it took. */
export async function pointSelects(connections: readonly Connection[], seconds: number, rows: number): Promise<{ selects: number; elapsedMs: number }> {
  const started = performance.now();
  const deadline = started + seconds * 1_000;
  let selects = 0;
  await Promise.all(
    connections.map(async (connection, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const found = await exec(connection, POINT_SELECT, ((worker * 7919 + i * 104729) % rows) + 1);
        if (found !== 1) throw new Error(`a point select returned ${found} rows`);
        selects++;
      }
    }),
  );
  return { selects, elapsedMs: performance.now() - started };
}

/** (Re)creates bench_accounts with `rows` rows (ids 1…rows). */
export async function seedAccounts(target: TediousTarget, rows: number): Promise<void> {
  const owner = await connectTedious(target);
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
