import { BsonType, encodeElement } from '../protocol/raw-bson.js';

/**
 * The row limit on a cursor: at most `limit` documents across its first batch and every getMore.
 * Returns how many of this batch the client gets, and whether the cursor must end here.
 */
export interface BatchLimit {
  /** Documents of this batch to pass on (a prefix). */
  readonly keep: number;
  /** The client's cursor ends here (id 0); the server's, if still open, is killed by the gateway. */
  readonly end: boolean;
}

/**
 * `delivered` documents went to the client before this batch of `count`; the server's cursor is
 * still open when `id` is not 0. When the limit is reached while the server could still send more,
 * the cursor ends: the client can never fetch past the limit, on any connection.
 */
export function limitBatch(limit: number | undefined, delivered: number, count: number | undefined, id: bigint): BatchLimit | undefined {
  if (limit === undefined || count === undefined) return undefined;
  const remaining = Math.max(0, limit - delivered);
  if (count > remaining) return { keep: remaining, end: true };
  if (count === remaining && id !== 0n) return { keep: count, end: true };
  return undefined;
}

/** The stricter of two limits (a getMore keeps the limit of the command that opened the cursor). */
export function stricterLimit(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** What the client reads in the reply when its result was cut: the policy rules, never a value. */
export function rowLimitNotice(limit: number, rules: readonly string[]): string {
  const by = rules.length > 0 ? ` (${rules.join(', ')})` : '';
  return `gatehouse: result cut at ${limit} documents by policy${by}`;
}

/** The reply body pieces with one more top-level string field before the terminating NUL: the client's notice. */
export function withNotice(parts: readonly Buffer[], notice: string): Buffer[] {
  const text = Buffer.from(notice, 'utf8');
  const value = Buffer.allocUnsafe(4 + text.length + 1);
  value.writeInt32LE(text.length + 1, 0);
  text.copy(value, 4);
  value[4 + text.length] = 0;
  const element = encodeElement(BsonType.String, 'gatehouseNotice', value);
  const [prefix, ...rest] = parts;
  const terminator = rest.pop()!;
  const size = prefix!.readInt32LE(0) + element.length;
  const newPrefix = Buffer.allocUnsafe(4);
  newPrefix.writeInt32LE(size, 0);
  return [newPrefix, ...rest, element, terminator];
}
