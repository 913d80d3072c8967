import type { AuditLiteralBinding, AuditQueryEvent, AuditResultEvent } from '@gatehouse/core';
import { isoTimeAt, statementRecord, statementResult, statementStamp } from './build-events.js';
import type { SessionContext, StatementStamp } from './build-events.js';
import type { DeferredEvent, StatementEvent } from './event-types.js';
import { literalDigests } from '../digest/literal-digests.js';

/**
 * An `async` statement's record, decided now and built later: the writer builds it when it takes
 * the record's batch, after the turn that forwarded the statement has written its bytes, so the
 * keyed digests, the guards and the record itself stay off the statement's path. Whatever can
 * fail is checked here, at once, so a failure still refuses the statement: the time, and literal
 * values of a type whose normal form can fail (those are digested now). The raw literals live no
 * longer than the record waits in the queue; build() lets go of them.
 */
export class PendingStatement implements DeferredEvent {
  readonly deferred = true;
  readonly sessionId: string;
  readonly statementId: string;
  /** When it was decided (ms), for the recorder's combining window. */
  readonly since: number;
  readonly #context: SessionContext;
  #query: AuditQueryEvent | undefined;
  readonly #at: number;
  readonly #digestKey: Uint8Array | string | undefined;
  /** Digested at once (values whose normal form can fail); else undefined and digested in build(). */
  readonly #stamp: StatementStamp | undefined;
  #result: AuditResultEvent | undefined;

  constructor(context: SessionContext, query: AuditQueryEvent, digestKey: Uint8Array | string | undefined, since: number) {
    const at = query.at.getTime();
    if (Number.isNaN(at)) throw new RangeError('the statement time is not a valid date');
    const literals = digestKey !== undefined ? query.literals : undefined;
    this.#stamp = literals !== undefined && literals.length > 0 && !plainValues(literals) ? statementStamp(query, digestKey) : undefined;
    this.sessionId = query.sessionId;
    this.statementId = query.statementId;
    this.since = since;
    this.#context = context;
    this.#query = query;
    this.#at = at;
    this.#digestKey = digestKey;
  }

  /** The statement's result, folded into its record (see StatementEvent.result). */
  fold(result: AuditResultEvent): this {
    this.#result = result;
    return this;
  }

  build(): StatementEvent {
    const query = this.#query;
    if (query === undefined) throw new TypeError('a pending statement record is built once');
    const result = this.#result !== undefined ? statementResult(this.#result) : undefined;
    const record = statementRecord(this.#context, query, this.#stamp ?? this.#deferredStamp(query), result);
    this.#query = undefined;
    this.#result = undefined;
    return record;
  }

  #deferredStamp(query: AuditQueryEvent): StatementStamp {
    const literals = query.literals;
    const digests = this.#digestKey !== undefined && literals !== undefined && literals.length > 0 ? literalDigests(this.#digestKey, literals) : undefined;
    return { at: isoTimeAt(this.#at), literalDigests: digests !== undefined && digests.length > 0 ? digests : undefined };
  }
}

/** Values whose normal form cannot fail (see normalizeLiteral): strings, numbers, booleans, bigints, null. */
function plainValues(literals: readonly AuditLiteralBinding[]): boolean {
  for (const { value } of literals) {
    const type = typeof value;
    if (type !== 'string' && type !== 'number' && type !== 'boolean' && type !== 'bigint' && value !== null && value !== undefined) return false;
  }
  return true;
}
