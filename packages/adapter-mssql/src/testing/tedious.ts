// Test-only: tedious (the Node SQL Server driver) wrapped in promises, for e2e tests through the gateway.
import { Connection, Request } from 'tedious';
import type { ConnectionConfiguration } from 'tedious';

export interface TediousResult {
  readonly rows: unknown[][];
  readonly columns: string[];
  readonly rowCount: number | undefined;
  readonly infos: string[];
  readonly returnValues: Record<string, unknown>;
}

/** A SQL Server error as tedious reports it: `number` is the server's error number. */
export interface TediousError extends Error {
  readonly number?: number;
  readonly class?: number;
  readonly code?: string;
}

export interface TediousOptions {
  readonly user: string;
  readonly password: string;
  /** Present the password as a FEDAUTH access token (`azure-active-directory-access-token`) instead. */
  readonly accessToken?: boolean;
  /** true (TLS inside PRELOGIN), 'strict' (TDS 8) or false. */
  readonly encrypt?: boolean | 'strict';
  /** The gateway's certificate, to verify it (otherwise trusted blindly). */
  readonly ca?: string;
  readonly database?: string;
  readonly requestTimeoutMs?: number;
  readonly appName?: string;
  /** Default 127.0.0.1 (localhost when `ca` is given, to match the certificate). */
  readonly host?: string;
  /** Called with every error number the server (or gateway) sends, login errors included. */
  readonly onErrorNumber?: (number: number) => void;
}

export function connectTedious(port: number, options: TediousOptions): Promise<Connection> {
  const config: ConnectionConfiguration = {
    server: options.host ?? (options.ca ? 'localhost' : '127.0.0.1'),
    options: {
      port,
      encrypt: options.encrypt ?? true,
      trustServerCertificate: options.ca === undefined,
      ...(options.ca ? { cryptoCredentialsDetails: { ca: options.ca } } : {}),
      ...(options.database ? { database: options.database } : {}),
      ...(options.appName ? { appName: options.appName } : {}),
      connectTimeout: 15_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
    },
    authentication: options.accessToken
      ? { type: 'azure-active-directory-access-token', options: { token: options.password } }
      : { type: 'default', options: { userName: options.user, password: options.password } },
  };
  const connection = new Connection(config);
  connection.on('error', () => undefined);
  if (options.onErrorNumber) connection.on('errorMessage', (message: { number: number }) => options.onErrorNumber!(message.number));
  return new Promise((resolve, reject) => {
    connection.connect((error) => (error ? reject(error) : resolve(connection)));
  });
}

type Kind = 'execSql' | 'execSqlBatch' | 'callProcedure' | 'execute' | 'prepare' | 'unprepare';

/** Runs a request built by `make` and collects rows, infos and return values. */
export function run(connection: Connection, make: (done: (error: Error | null | undefined, rowCount?: number) => void) => Request, kind: Kind = 'execSql', params?: Record<string, unknown>): Promise<TediousResult> {
  return new Promise((resolve, reject) => {
    const rows: unknown[][] = [];
    let columns: string[] = [];
    const infos: string[] = [];
    const returnValues: Record<string, unknown> = {};
    const onInfo = (info: { message: string }): void => void infos.push(info.message);
    connection.on('infoMessage', onInfo);
    const request = make((error, rowCount) => {
      connection.off('infoMessage', onInfo);
      if (error) reject(error);
      else resolve({ rows, columns, rowCount, infos, returnValues });
    });
    request.on('columnMetadata', (meta: { colName: string }[] | Record<string, { colName: string }>) => {
      columns = (Array.isArray(meta) ? meta : Object.values(meta)).map((c) => c.colName);
    });
    request.on('row', (cols: { value: unknown }[]) => void rows.push(cols.map((c) => c.value)));
    request.on('returnValue', (name: string, value: unknown) => void (returnValues[name] = value));
    if (kind === 'execute') connection.execute(request, params ?? {});
    else if (kind === 'prepare') connection.prepare(request);
    else if (kind === 'unprepare') connection.unprepare(request);
    else connection[kind](request);
  });
}

/** One statement: execSqlBatch (SQLBatch) by default, execSql (sp_executesql) on request. */
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

export function closeTedious(connection: Connection): Promise<void> {
  return new Promise((resolve) => {
    if (connection.closed) return resolve();
    connection.once('end', () => resolve());
    connection.close();
  });
}
