// Test-only: tedious wrapped in promises.
import { Connection, Request } from 'tedious';
import type { ConnectionConfiguration } from 'tedious';

export interface TediousResult {
  readonly rows: unknown[][];
  readonly columns: string[];
  readonly rowCount: number | undefined;
  readonly infos: string[];
  readonly returnValues: Record<string, unknown>;
}

export function connectTedious(port: number, options: { user?: string; password?: string; encrypt?: boolean | 'strict'; database?: string; token?: string; packetSize?: number; ca?: string } = {}): Promise<Connection> {
  const config: ConnectionConfiguration = {
    server: '127.0.0.1',
    options: {
      port,
      encrypt: options.encrypt ?? false,
      trustServerCertificate: true,
      ...(options.database ? { database: options.database } : {}),
      ...(options.packetSize ? { packetSize: options.packetSize } : {}),
      ...(options.ca ? { cryptoCredentialsDetails: { ca: options.ca } } : {}),
      connectTimeout: 10_000,
      requestTimeout: 20_000,
    },
    authentication: options.token
      ? { type: 'azure-active-directory-access-token', options: { token: options.token } }
      : { type: 'default', options: { userName: options.user ?? 'sa', password: options.password ?? 'Passw0rd!' } },
  };
  const connection = new Connection(config);
  return new Promise((resolve, reject) => {
    connection.connect((error) => (error ? reject(error) : resolve(connection)));
  });
}

/** Runs a request (built by `make`) and collects rows, infos and return values. */
export function run(connection: Connection, make: (done: (error: Error | null | undefined, rowCount?: number) => void) => Request, kind: 'execSql' | 'execSqlBatch' | 'callProcedure' | 'execute' | 'prepare' | 'unprepare' = 'execSql', params?: Record<string, unknown>): Promise<TediousResult> {
  return new Promise((resolve, reject) => {
    const rows: unknown[][] = [];
    let columns: string[] = [];
    const infos: string[] = [];
    const returnValues: Record<string, unknown> = {};
    const onInfo = (info: { message: string }): void => {
      infos.push(info.message);
    };
    connection.on('infoMessage', onInfo);
    const request = make((error, rowCount) => {
      connection.off('infoMessage', onInfo);
      if (error) reject(error);
      else resolve({ rows, columns, rowCount, infos, returnValues });
    });
    request.on('columnMetadata', (meta: { colName: string }[] | Record<string, { colName: string }>) => {
      columns = (Array.isArray(meta) ? meta : Object.values(meta)).map((c) => c.colName);
    });
    request.on('row', (cols: { value: unknown }[]) => rows.push(cols.map((c) => c.value)));
    request.on('returnValue', (name: string, value: unknown) => (returnValues[name] = value));
    if (kind === 'execute') connection.execute(request, params ?? {});
    else if (kind === 'prepare') connection.prepare(request);
    else if (kind === 'unprepare') connection.unprepare(request);
    else connection[kind](request);
  });
}

export function sql(connection: Connection, text: string, kind: 'execSql' | 'execSqlBatch' = 'execSqlBatch', setup?: (request: Request) => void): Promise<TediousResult> {
  return run(
    connection,
    (done) => {
      const request = new Request(text, (error, rowCount) => done(error, rowCount));
      setup?.(request);
      return request;
    },
    kind,
  );
}

export function close(connection: Connection): Promise<void> {
  return new Promise((resolve) => {
    if (connection.closed) return resolve();
    connection.once('end', () => resolve());
    connection.close();
  });
}
