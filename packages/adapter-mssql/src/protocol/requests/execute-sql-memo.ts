import type { RpcCall, RpcParameter } from './rpc.js';

/** sp_executesql by id (MS-TDS ProcID 10). */
const EXECUTE_SQL = 10;
/** Statement heads longer than this are decoded every time (the memo keeps a copy per session). */
const MAX_HEAD_BYTES = 16 * 1024;

/** A remembered call head: what decoding its bytes gave. */
export interface ExecuteSqlHead {
  readonly optionFlags: number;
  /** @stmt and @params, with ranges in the payload (the same in every payload the bytes match at the same offset). */
  readonly parameters: readonly [RpcParameter, RpcParameter];
  readonly statement: string;
  readonly declarations: string;
  /** Where the head ends: the first value parameter (or the end of the call) starts here. */
  readonly end: number;
}

/**
 * The head of the last sp_executesql call a session sent: the procedure id, the statement and the
 * parameter declarations. Drivers send the same statement again and again with new values (tedious
 * `execSql`, every prepared-statement-less ORM); when the bytes from the call's start to the end of
 * @params repeat exactly, at the same offset, decoding them again would give the same result (the
 * decoder is a pure function of those bytes), so the values alone are decoded. Holds a private copy
 * of the bytes, never the packet buffer.
 */
export class ExecuteSqlMemo {
  #bytes: Buffer | undefined;
  #start = -1;
  #head: ExecuteSqlHead | undefined;
  /**
   * The names of the parameters after the remembered head, by index, as last decoded: a name whose
   * bytes repeat is compared in place instead of decoded into a new string (the values' names, `@id`,
   * are as constant as the statement).
   */
  readonly valueNames: (string | undefined)[] = [];

  /** The remembered head when `payload` repeats its bytes at `start`. */
  match(payload: Buffer, start: number): ExecuteSqlHead | undefined {
    const bytes = this.#bytes;
    if (bytes === undefined || start !== this.#start) return undefined;
    const end = start + bytes.length;
    if (end > payload.length || payload.compare(bytes, 0, bytes.length, start, end) !== 0) return undefined;
    return this.#head;
  }

  /** The remembered head when `parameter` is its statement parameter (a call decoded from a match). */
  headOf(parameter: RpcParameter | undefined): ExecuteSqlHead | undefined {
    const head = this.#head;
    return parameter !== undefined && head !== undefined && parameter === head.parameters[0] ? head : undefined;
  }

  /** Remembers a decoded sp_executesql call by id whose statement and declarations are text. */
  remember(payload: Buffer, call: RpcCall, statement: string, declarations: string): void {
    const [statementParameter, declarationsParameter] = call.parameters;
    if (call.procId !== EXECUTE_SQL || !statementParameter || !declarationsParameter) return;
    const end = declarationsParameter.value.end;
    if (end - call.start > MAX_HEAD_BYTES) return;
    this.valueNames.length = 0;
    this.#bytes = Buffer.from(payload.subarray(call.start, end));
    this.#start = call.start;
    this.#head = { optionFlags: call.optionFlags, parameters: [statementParameter, declarationsParameter], statement, declarations, end };
  }
}
