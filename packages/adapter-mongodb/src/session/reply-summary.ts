import { BsonType, findElement, rawElements, readInteger } from '../protocol/raw-bson.js';
import type { RawElement } from '../protocol/raw-bson.js';

/** How a command went, as the statementCompleted hook reports it: never a message, only codes and counts. */
export interface ReplySummary {
  readonly result: 'ok' | 'error';
  /** The server's numeric error code as a string (top level, else the first write error, else the write concern error). */
  readonly errorCode?: string;
  /** Documents written (writes) or returned outside a cursor (distinct values, findAndModify's value). */
  readonly rows?: number;
}

/**
 * Reads a command reply's outcome from its raw top-level fields. `ok: 0` is an error with its
 * `code`; a reply with write errors or a write concern error is an error too (some documents may
 * have been written: `rows` says how many). Rows: `n` for insert and delete, `nModified` plus the
 * upserted documents for update, `lastErrorObject.n` for findAndModify, the values of distinct.
 * Cursor replies are counted by the caller (after any row limit), not here.
 */
export function summarizeReply(body: Buffer, command: string): ReplySummary {
  const fields = rawElements(body);
  const ok = numberAt(body, findElement(fields, 'ok'));
  const rows = rowsOf(body, fields, command);
  const withRows = rows === undefined ? {} : { rows };
  if (ok !== 1) {
    const code = numberAt(body, findElement(fields, 'code'));
    return { result: 'error', ...(code === undefined ? {} : { errorCode: String(code) }), ...withRows };
  }
  const writeError = firstCodeIn(body, findElement(fields, 'writeErrors')) ?? codeOf(body, findElement(fields, 'writeConcernError'));
  if (writeError !== undefined) return { result: 'error', errorCode: String(writeError), ...withRows };
  if (findElement(fields, 'writeErrors') || findElement(fields, 'writeConcernError')) return { result: 'error', ...withRows };
  return { result: 'ok', ...withRows };
}

function rowsOf(body: Buffer, fields: readonly RawElement[], command: string): number | undefined {
  switch (command) {
    case 'insert':
    case 'delete':
      return numberAt(body, findElement(fields, 'n'));
    case 'update': {
      const modified = numberAt(body, findElement(fields, 'nModified'));
      const upserted = findElement(fields, 'upserted');
      const inserted = upserted && upserted.type === BsonType.Array ? rawElements(body.subarray(upserted.valueStart, upserted.end)).length : 0;
      return modified === undefined ? undefined : modified + inserted;
    }
    case 'findAndModify':
    case 'findandmodify': {
      const last = findElement(fields, 'lastErrorObject');
      if (!last || last.type !== BsonType.Document) return undefined;
      const inner = body.subarray(last.valueStart, last.end);
      return numberAt(inner, findElement(rawElements(inner), 'n'));
    }
    case 'distinct': {
      const values = findElement(fields, 'values');
      return values && values.type === BsonType.Array ? rawElements(body.subarray(values.valueStart, values.end)).length : undefined;
    }
    default:
      return undefined;
  }
}

function numberAt(doc: Buffer, element: RawElement | undefined): number | undefined {
  if (!element) return undefined;
  if (element.type === BsonType.Boolean) return doc[element.valueStart] === 1 ? 1 : 0;
  const value = readInteger(doc, element);
  if (value !== undefined) return Number(value);
  return element.type === BsonType.Double ? doc.readDoubleLE(element.valueStart) : undefined;
}

function codeOf(doc: Buffer, element: RawElement | undefined): number | undefined {
  if (!element || element.type !== BsonType.Document) return undefined;
  const inner = doc.subarray(element.valueStart, element.end);
  return numberAt(inner, findElement(rawElements(inner), 'code'));
}

function firstCodeIn(doc: Buffer, element: RawElement | undefined): number | undefined {
  if (!element || element.type !== BsonType.Array) return undefined;
  const array = doc.subarray(element.valueStart, element.end);
  const first = rawElements(array)[0];
  return first ? codeOf(array, first) : undefined;
}
