import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { decodeValue } from '../protocol/values.js';
import { DoneStatus, EnvChangeType } from '../protocol/tokens/token-types.js';
import type { Token } from '../protocol/tokens/token-types.js';

/** What the session learns from one upstream response, however it was relayed. */
export interface ResponseFacts {
  /** Rows the DONE tokens counted (rows sent, for a result cut at a row limit). */
  readonly rows: number;
  /** The first ERROR's number, if the server refused something. */
  readonly errorNumber: number | undefined;
  readonly attentionAcknowledged: boolean;
  /** The database an ENVCHANGE moved the session to. */
  readonly database: string | undefined;
  /** The first int RETURNVALUE (sp_prepare / sp_prepexec handle). */
  readonly returnedHandle: number | undefined;
  readonly maskedValues: number;
}

type MutableFacts = { -readonly [K in keyof ResponseFacts]: ResponseFacts[K] };

/**
 * Reads what a token teaches the session (rows, the first error, a database change, a prepared
 * handle, the attention acknowledgement). Values are decoded only for a returned handle.
 * ENVCHANGE routing mid-session would send the client elsewhere: a protocol violation.
 */
export function observeToken(facts: MutableFacts, token: Token): void {
  switch (token.kind) {
    case 'done':
    case 'doneproc':
    case 'doneinproc':
      if ((token.status & DoneStatus.Attention) !== 0) facts.attentionAcknowledged = true;
      if ((token.status & DoneStatus.Count) !== 0) facts.rows += Number(token.rowCount);
      return;
    case 'error':
      facts.errorNumber ??= token.number;
      return;
    case 'envchange':
      if (token.type === EnvChangeType.Routing) {
        throw new ProtocolError(ProtocolErrorCode.UnexpectedMessage, 'the upstream sent ENVCHANGE routing after login');
      }
      if (token.type === EnvChangeType.Database && typeof token.newValue === 'string') facts.database = token.newValue;
      return;
    case 'returnvalue':
      if (facts.returnedHandle === undefined && !token.value.isNull) {
        const value = decodeValue(token.raw, token.value, token.typeInfo);
        if (typeof value === 'number' && Number.isInteger(value)) facts.returnedHandle = value;
      }
      return;
    default:
      return;
  }
}
