import { randomBytes } from 'node:crypto';
import {
  decodeRpc,
  decodeSqlBatch,
  decodeTransactionManager,
  decodeValue,
  DataType,
  DoneStatus,
  encodeColMetadata,
  encodeDone,
  encodeEnvChangeBytes,
  encodeEnvChangeString,
  encodeMessageToken,
  encodeNbcRow,
  encodeReturnStatus,
  encodeReturnValue,
  encodeRow,
  EnvChangeType,
  PacketType,
  summarizeRpc,
  TmRequestType,
  TokenStreamReader,
  TokenType,
} from '@gatehouse/adapter-mssql';
import type { Message, RpcParameter, StreamingMessageWriter, TdsValue } from '@gatehouse/adapter-mssql';
import type { Channel } from './channel.js';
import { mapError, SqlServerError } from './engine/database.js';
import { conversionFailure, withDuplicateKeyValue } from './engine/server-messages.js';
import { splitBatch } from './engine/split.js';
import { parseColumnList, toSqliteValue, unquote } from './engine/types.js';
import type { SqliteValue } from './engine/types.js';
import { PROGRAM_NAME, SERVER_NAME } from './login.js';
import type { ServerState } from './server-state.js';

interface Running {
  cancelled: boolean;
  wake: (() => void) | undefined;
}

interface Prepared {
  readonly statement: string;
}

const VERSION_TEXT = `${PROGRAM_NAME} 16.0 — a TDS 7.4 server over SQLite (sql.js), not Microsoft SQL Server`;

/** The request loop of one logged-in connection. */
export class Session {
  private nocount = false;
  private rowcount = 0;
  private transaction: Buffer | undefined;
  private readonly prepared = new Map<number, Prepared>();
  private running: Running | undefined;
  private bulk: { table: string; columns: string[] } | undefined;

  constructor(
    private readonly channel: Channel,
    private readonly state: ServerState,
    private readonly login: { readonly user: string; database: string },
  ) {}

  async run(): Promise<void> {
    this.channel.onAttention = () => this.attention();
    try {
      for (;;) {
        const message = await this.channel.next();
        if (!message) break;
        if (message.ignored) continue;
        const running: Running = { cancelled: false, wake: undefined };
        this.running = running;
        const out = this.channel.writer(PacketType.TabularResult);
        try {
          await this.handle(message, out, running);
        } catch (error) {
          if (!(error instanceof SqlServerError)) throw error;
          out.push(errorTokens(error, TokenType.Done, 0));
        }
        if (running.cancelled) {
          // The cancelled request's response ends here; the acknowledgement is a message of its own
          // (clients such as tedious read the response, then the DONE ATTN message).
          out.push(encodeDone({ status: DoneStatus.Final }));
          out.end();
          this.channel.send(PacketType.TabularResult, encodeDone({ status: DoneStatus.Attention }));
        } else out.end();
        this.running = undefined;
      }
    } finally {
      this.channel.onAttention = undefined;
      if (this.transaction && this.state.transactionOwner === this.channel.spid) {
        try {
          this.state.engine.exec('ROLLBACK', {});
        } catch {
          /* nothing open */
        }
        this.state.transactionOwner = undefined;
      }
    }
  }

  /** Attention: cancel what runs (its response ends with DONE ATTN), or acknowledge at once. */
  private attention(): void {
    this.state.record({ spid: this.channel.spid, event: 'attention', running: this.running !== undefined });
    if (this.running) {
      this.running.cancelled = true;
      this.running.wake?.();
      return;
    }
    this.channel.send(PacketType.TabularResult, encodeDone({ status: DoneStatus.Attention }));
  }

  private async handle(message: Message, out: StreamingMessageWriter, running: Running): Promise<void> {
    switch (message.type) {
      case PacketType.SqlBatch: {
        const batch = decodeSqlBatch(message.payload);
        this.state.record({ spid: this.channel.spid, event: 'batch', text: batch.text });
        await this.executeBatch(batch.text, {}, out, running, TokenType.Done, true);
        return;
      }
      case PacketType.Rpc:
        await this.rpc(message.payload, out, running);
        return;
      case PacketType.TransactionManager:
        this.transactionManager(message.payload, out);
        return;
      case PacketType.BulkLoad:
        this.bulkLoad(message.payload, out);
        return;
      default:
        throw new SqlServerError(50000, `the TDS test server does not handle packet type 0x${message.type.toString(16)} here`);
    }
  }

  /** Runs a batch's statements; `final` says whether the batch's last DONE ends the response. */
  private async executeBatch(text: string, params: Record<string, SqliteValue>, out: StreamingMessageWriter, running: Running, doneType: number, final: boolean): Promise<boolean> {
    const statements = splitBatch(text);
    if (statements.length === 0) {
      out.push(encodeDone({ status: final ? 0 : DoneStatus.More }, doneType));
      return true;
    }
    for (let i = 0; i < statements.length; i++) {
      if (running.cancelled) return false;
      const last = i === statements.length - 1 && final;
      try {
        await this.statement(statements[i]!, params, out, running, doneType, last);
      } catch (error) {
        const mapped = mapError(error);
        out.push(errorTokens(mapped, doneType, final ? 0 : DoneStatus.More));
        return false;
      }
    }
    return true;
  }

  private done(out: StreamingMessageWriter, doneType: number, last: boolean, count?: number, curCmd = 0xc1): void {
    let status = last ? 0 : DoneStatus.More;
    if (count !== undefined && !this.nocount) status |= DoneStatus.Count;
    if (this.transaction) status |= DoneStatus.InTransaction;
    out.push(encodeDone({ status, curCmd, rowCount: count ?? 0 }, doneType));
  }

  private async statement(tsql: string, params: Record<string, SqliteValue>, out: StreamingMessageWriter, running: Running, doneType: number, last: boolean): Promise<void> {
    const engine = this.state.engine;
    let m: RegExpExecArray | null;
    if ((m = /^set\s+nocount\s+(on|off)\s*$/i.exec(tsql))) {
      this.nocount = m[1]!.toLowerCase() === 'on';
      return this.done(out, doneType, last);
    }
    if (/^set\s/i.test(tsql)) return this.done(out, doneType, last);
    if (/^begin\s+tran(saction)?(\s+\w+)?$/i.test(tsql)) {
      out.push(this.begin());
      return this.done(out, doneType, last);
    }
    if (/^commit(\s+(tran|transaction|work))?(\s+\w+)?$/i.test(tsql)) {
      out.push(this.finish('COMMIT'));
      return this.done(out, doneType, last);
    }
    if (/^rollback(\s+(tran|transaction|work))?(\s+\w+)?$/i.test(tsql)) {
      out.push(this.finish('ROLLBACK'));
      return this.done(out, doneType, last);
    }
    if ((m = /^save\s+tran(?:saction)?\s+(\w+)$/i.exec(tsql))) {
      engine.exec(`SAVEPOINT "${m[1]}"`, {});
      return this.done(out, doneType, last);
    }
    if ((m = /^waitfor\s+delay\s+N?'(\d+):(\d+):(\d+)(?:\.(\d+))?'$/i.exec(tsql))) {
      const ms = (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000 + Number((m[4] ?? '0').padEnd(3, '0').slice(0, 3));
      await this.sleep(ms, running);
      if (running.cancelled) return;
      return this.done(out, doneType, last);
    }
    if ((m = /^use\s+(\S+)$/i.exec(tsql))) {
      const database = unquote(m[1]!);
      out.push(encodeEnvChangeString(EnvChangeType.Database, database, this.login.database));
      out.push(encodeMessageToken('info', { number: 5701, state: 1, class: 0, message: `Changed database context to '${database}'.`, serverName: SERVER_NAME }));
      this.login.database = database;
      return this.done(out, doneType, last);
    }
    if ((m = /^print\s+N?'((?:[^']|'')*)'$/is.exec(tsql))) {
      out.push(encodeMessageToken('info', { number: 0, state: 1, class: 0, message: m[1]!.replace(/''/g, "'"), serverName: SERVER_NAME }));
      return this.done(out, doneType, last);
    }
    if ((m = /^raiserror\s*\(\s*N?'((?:[^']|'')*)'\s*,\s*(\d+)\s*,\s*(\d+)\s*\)/is.exec(tsql))) {
      const severity = Number(m[2]);
      const text = m[1]!.replace(/''/g, "'");
      if (severity <= 10) {
        out.push(encodeMessageToken('info', { number: 50000, state: Number(m[3]), class: severity, message: text, serverName: SERVER_NAME }));
        return this.done(out, doneType, last);
      }
      throw new SqlServerError(50000, text, severity, Number(m[3]));
    }
    if ((m = /^throw\s+(\d+)\s*,\s*N?'((?:[^']|'')*)'\s*,\s*(\d+)/is.exec(tsql))) {
      throw new SqlServerError(Number(m[1]), m[2]!.replace(/''/g, "'"), 16, Number(m[3]));
    }
    if ((m = /^insert\s+bulk\s+((?:\[[^\]]+\]|"[^"]+"|[\w#.])+)\s*\(([^]*)\)/i.exec(tsql))) {
      this.bulk = { table: unquote(m[1]!), columns: parseColumnList(m[2]!).map((c) => c.name) };
      return this.done(out, doneType, last);
    }
    if (/^(exec|execute)\s/i.test(tsql)) {
      const name = /^(?:exec|execute)\s+(\S+)/i.exec(tsql)?.[1] ?? '';
      throw new SqlServerError(2812, `Could not find stored procedure '${name}'.`);
    }
    if (/^declare\s/i.test(tsql)) throw new SqlServerError(50000, 'DECLARE is not supported by the TDS test server (a SQL Server stand-in)');
    const sql = this.substituteGlobals(tsql);
    const conversion = conversionFailure(sql);
    if (conversion) throw conversion;
    let outcome: ReturnType<typeof engine.run>;
    try {
      outcome = engine.run(sql, params);
    } catch (error) {
      throw withDuplicateKeyValue(mapError(error), sql, params);
    }
    if (outcome.kind === 'done') return this.done(out, doneType, last);
    if (outcome.kind === 'count') {
      this.rowcount = outcome.count;
      return this.done(out, doneType, last, outcome.count, outcome.curCmd);
    }
    const { columns, rows, close } = outcome.set;
    out.push(encodeColMetadata(columns));
    let count = 0;
    try {
      for (let next = rows.next(); !next.done; next = rows.next()) {
        const values = next.value;
        const bytes = values.some((v) => v === null) ? encodeNbcRow(columns, values) : encodeRow(columns, values);
        count++;
        if (!out.push(bytes) || count % 2048 === 0) {
          await this.channel.drain();
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (running.cancelled) return;
      }
    } finally {
      close();
      // How far a result got before it ended or was cancelled (tests check a cancel stopped it early).
      this.state.record({ spid: this.channel.spid, event: 'result', rows: count, cancelled: running.cancelled });
    }
    this.rowcount = count;
    this.done(out, doneType, last, count, 0xc1);
  }

  private substituteGlobals(tsql: string): string {
    const literal = (s: string): string => `N'${s.replace(/'/g, "''")}'`;
    return tsql
      .replace(/@@version\b/gi, literal(VERSION_TEXT))
      .replace(/@@spid\b/gi, String(this.channel.spid))
      .replace(/@@trancount\b/gi, this.transaction ? '1' : '0')
      .replace(/@@rowcount\b/gi, String(this.rowcount))
      .replace(/@@servername\b/gi, literal(SERVER_NAME))
      .replace(/\bdb_name\s*\(\s*\)/gi, literal(this.login.database))
      .replace(/\b(suser_sname|suser_name|user_name)\s*\(\s*\)|\bsystem_user\b|\bcurrent_user\b/gi, literal(this.login.user));
  }

  private begin(): Buffer {
    if (this.transaction) throw new SqlServerError(50000, 'nested transactions are not supported by the TDS test server');
    if (this.state.transactionOwner !== undefined) throw new SqlServerError(1205, 'another session holds the transaction (the TDS test server has one SQLite connection)', 13);
    this.state.engine.exec('BEGIN', {});
    this.state.transactionOwner = this.channel.spid;
    this.transaction = randomBytes(8);
    return encodeEnvChangeBytes(EnvChangeType.BeginTransaction, this.transaction, Buffer.alloc(0));
  }

  private finish(verb: 'COMMIT' | 'ROLLBACK'): Buffer {
    if (!this.transaction) {
      throw verb === 'COMMIT'
        ? new SqlServerError(3902, 'The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.')
        : new SqlServerError(3903, 'The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.');
    }
    this.state.engine.exec(verb, {});
    const old = this.transaction;
    this.transaction = undefined;
    this.state.transactionOwner = undefined;
    return encodeEnvChangeBytes(verb === 'COMMIT' ? EnvChangeType.CommitTransaction : EnvChangeType.RollbackTransaction, Buffer.alloc(0), old);
  }

  private transactionManager(payload: Buffer, out: StreamingMessageWriter): void {
    const request = decodeTransactionManager(payload);
    this.state.record({ spid: this.channel.spid, event: 'tm', requestType: request.requestType });
    switch (request.requestType) {
      case TmRequestType.Begin:
        out.push(this.begin());
        break;
      case TmRequestType.Commit:
      case TmRequestType.Rollback:
        out.push(this.finish(request.requestType === TmRequestType.Commit ? 'COMMIT' : 'ROLLBACK'));
        if (((request.flags ?? 0) & 1) !== 0) out.push(this.begin());
        break;
      case TmRequestType.Save:
        this.state.engine.exec(`SAVEPOINT "${request.name}"`, {});
        break;
      default:
        throw new SqlServerError(50000, `transaction manager request ${request.requestType} is not supported by the TDS test server`);
    }
    this.done(out, TokenType.Done, true);
  }

  private async rpc(payload: Buffer, out: StreamingMessageWriter, running: Running): Promise<void> {
    const request = decodeRpc(payload);
    for (let i = 0; i < request.calls.length; i++) {
      const call = request.calls[i]!;
      const last = i === request.calls.length - 1;
      const summary = summarizeRpc(payload, call);
      this.state.record({ spid: this.channel.spid, event: 'rpc', procedure: summary.procedure, statement: summary.statement, handle: summary.handle });
      let status = 0;
      try {
        switch (summary.procedure) {
          case 'sp_executesql':
            if (summary.statement === undefined) throw new SqlServerError(8144, 'sp_executesql needs a statement');
            if (!(await this.executeBatch(summary.statement, bindParams(payload, summary.valueParameters), out, running, TokenType.DoneInProc, false))) status = 1;
            break;
          case 'sp_prepare': {
            if (summary.statement === undefined) throw new SqlServerError(8144, 'sp_prepare needs a statement');
            const handle = this.state.nextHandle();
            this.prepared.set(handle, { statement: summary.statement });
            out.push(encodeReturnValue({ ordinal: 0, name: '@handle', typeInfo: { type: DataType.IntN, length: 4 }, value: handle }));
            break;
          }
          case 'sp_prepexec': {
            if (summary.statement === undefined) throw new SqlServerError(8144, 'sp_prepexec needs a statement');
            const handle = this.state.nextHandle();
            this.prepared.set(handle, { statement: summary.statement });
            if (!(await this.executeBatch(summary.statement, bindParams(payload, summary.valueParameters), out, running, TokenType.DoneInProc, false))) status = 1;
            out.push(encodeReturnValue({ ordinal: 0, name: '@handle', typeInfo: { type: DataType.IntN, length: 4 }, value: handle }));
            break;
          }
          case 'sp_execute': {
            const prepared = summary.handle === undefined ? undefined : this.prepared.get(summary.handle);
            if (!prepared) throw new SqlServerError(8179, `Could not find prepared statement with handle ${summary.handle ?? 'NULL'}.`);
            if (!(await this.executeBatch(prepared.statement, bindParams(payload, summary.valueParameters), out, running, TokenType.DoneInProc, false))) status = 1;
            break;
          }
          case 'sp_unprepare':
            if (summary.handle !== undefined) this.prepared.delete(summary.handle);
            break;
          default:
            throw new SqlServerError(2812, `Could not find stored procedure '${call.procName ?? summary.procedure}'.`);
        }
      } catch (error) {
        const mapped = mapError(error);
        out.push(encodeMessageToken('error', { number: mapped.number, state: mapped.state, class: mapped.severity, message: mapped.message, serverName: SERVER_NAME, procName: summary.procedure, lineNumber: 1 }));
        status = 1;
      }
      if (running.cancelled) return;
      out.push(encodeReturnStatus(status));
      out.push(encodeDone({ status: (last ? 0 : DoneStatus.More) | (status !== 0 ? DoneStatus.Error : 0) }, TokenType.DoneProc));
    }
  }

  private bulkLoad(payload: Buffer, out: StreamingMessageWriter): void {
    const target = this.bulk;
    this.bulk = undefined;
    if (!target) throw new SqlServerError(4804, 'BULK LOAD data arrived without a preceding INSERT BULK statement.');
    const reader = new TokenStreamReader();
    const tokens = reader.push(payload);
    reader.endOfMessage();
    let count = 0;
    let names: string[] = target.columns;
    for (const token of tokens) {
      if (token.kind === 'colmetadata') names = token.columns.map((c) => c.name);
      if (token.kind !== 'row' && token.kind !== 'nbcrow') continue;
      const columns = reader.columns!;
      const params: Record<string, SqliteValue> = {};
      token.values.forEach((range, i) => (params[`@p${i}`] = toSqliteValue(decodeValue(token.raw, range, columns[i]!.typeInfo))));
      const sql = `INSERT INTO "${target.table}" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map((_, i) => `@p${i}`).join(', ')})`;
      this.state.engine.exec(sql, params);
      count++;
    }
    this.state.record({ spid: this.channel.spid, event: 'bulk', table: target.table, rows: count });
    this.rowcount = count;
    this.done(out, TokenType.Done, true, count, 0xc3);
  }

  private sleep(ms: number, running: Running): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        running.wake = undefined;
        resolve();
      }, ms);
      running.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function errorTokens(error: SqlServerError, doneType: number, extraStatus: number): Buffer {
  return Buffer.concat([
    encodeMessageToken('error', { number: error.number, state: error.state, class: error.severity, message: error.message, serverName: SERVER_NAME, lineNumber: 1 }),
    encodeDone({ status: DoneStatus.Error | extraStatus }, doneType),
  ]);
}

/** RPC parameters → named SQLite bindings (`@name`); values are decoded only here, in the stand-in. */
function bindParams(payload: Buffer, parameters: readonly RpcParameter[]): Record<string, SqliteValue> {
  const out: Record<string, SqliteValue> = {};
  parameters.forEach((p, i) => {
    const name = p.name ? (p.name.startsWith('@') ? p.name : `@${p.name}`) : `@P${i + 1}`;
    const value: TdsValue = decodeValue(payload, p.value, p.typeInfo);
    out[name] = toSqliteValue(value);
  });
  return out;
}
