import { ProtocolError, ProtocolErrorCode } from '../../errors.js';
import { BackendCode, ErrorField } from '../codes.js';
import { openFrame } from '../cursor.js';
import type { Frame } from '../frame.js';
import { MessageWriter } from '../writer.js';

/**
 * ErrorResponse ('E') / NoticeResponse ('N'): a list of (field letter, text) pairs. Fields are kept as a
 * map by letter in wire order, unknown letters included (the spec tells clients to ignore them, but a
 * masker re-encoding a notice must see them to decide whether to keep them).
 */
export interface ErrorNoticeMessage {
  readonly type: 'error' | 'notice';
  /** Keyed by field letter (see ErrorField): S, V, C, M, D, H, P, p, q, W, s, t, c, d, n, F, L, R. */
  readonly fields: ReadonlyMap<string, string>;
  /** Non-localized severity (V) when sent, else the localized one (S); '' if neither. */
  readonly severity: string;
  /** SQLSTATE (C); '' if absent. */
  readonly sqlState: string;
  /** Primary message (M); '' if absent. */
  readonly message: string;
}

function decodeFields(frame: Frame, code: number, type: 'error' | 'notice'): ErrorNoticeMessage {
  const cursor = openFrame(frame, 'typed', code, type === 'error' ? 'ErrorResponse' : 'NoticeResponse', false);
  const fields = new Map<string, string>();
  for (;;) {
    const letter = cursor.byte('field type');
    if (letter === 0) break;
    fields.set(String.fromCharCode(letter), cursor.cstring(`field '${String.fromCharCode(letter)}'`));
  }
  cursor.end();
  return {
    type,
    fields,
    severity: fields.get(ErrorField.SeverityNonLocalized) ?? fields.get(ErrorField.Severity) ?? '',
    sqlState: fields.get(ErrorField.Code) ?? '',
    message: fields.get(ErrorField.Message) ?? '',
  };
}

export function decodeErrorResponse(frame: Frame): ErrorNoticeMessage {
  return decodeFields(frame, BackendCode.ErrorResponse, 'error');
}

export function decodeNoticeResponse(frame: Frame): ErrorNoticeMessage {
  return decodeFields(frame, BackendCode.NoticeResponse, 'notice');
}

/** Field pairs for encoding: a map or any iterable of [letter, text]. */
export type ErrorFieldEntries = ReadonlyMap<string, string> | Iterable<readonly [string, string]>;

function encodeFields(code: number, fields: ErrorFieldEntries): Buffer {
  const writer = new MessageWriter();
  for (const [letter, text] of fields) {
    if (letter.length !== 1 || letter === '\0' || letter.charCodeAt(0) > 0x7f) {
      throw new ProtocolError(ProtocolErrorCode.Unencodable, `error field type ${JSON.stringify(letter)} must be one ASCII character other than NUL`);
    }
    writer.byte(letter.charCodeAt(0)).cstring(text);
  }
  return writer.byte(0).frame(code);
}

/** ErrorResponse from raw fields (e.g. a server error after masking its texts). */
export function encodeErrorResponse(fields: ErrorFieldEntries): Buffer {
  return encodeFields(BackendCode.ErrorResponse, fields);
}

export function encodeNoticeResponse(fields: ErrorFieldEntries): Buffer {
  return encodeFields(BackendCode.NoticeResponse, fields);
}

/** The common fields of an error or notice the gateway writes itself. */
export interface ErrorNoticeInput {
  /** ERROR, FATAL, PANIC for errors; WARNING, NOTICE, DEBUG, INFO, LOG for notices. */
  readonly severity: string;
  /** SQLSTATE, e.g. '42501' (insufficient_privilege) for a policy denial. */
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
  /** 1-based character position in the query text, as a decimal string on the wire. */
  readonly position?: number;
}

function entriesOf(input: ErrorNoticeInput): Array<[string, string]> {
  // Both S and V: V (9.6+) is what drivers branch on, S is what older clients print.
  const entries: Array<[string, string]> = [
    [ErrorField.Severity, input.severity],
    [ErrorField.SeverityNonLocalized, input.severity],
    [ErrorField.Code, input.code],
    [ErrorField.Message, input.message],
  ];
  if (input.detail !== undefined) entries.push([ErrorField.Detail, input.detail]);
  if (input.hint !== undefined) entries.push([ErrorField.Hint, input.hint]);
  if (input.position !== undefined) entries.push([ErrorField.Position, String(input.position)]);
  return entries;
}

/**
 * An ErrorResponse as the server would write it, e.g. the gateway's refusal:
 * `errorResponse({ severity: 'ERROR', code: '42501', message: 'permission denied by rule no-prod-writes' })`.
 * NUL characters in any text are refused (ProtocolError Unencodable) rather than silently truncated.
 */
export function errorResponse(input: ErrorNoticeInput): Buffer {
  return encodeErrorResponse(entriesOf(input));
}

export function noticeResponse(input: ErrorNoticeInput): Buffer {
  return encodeNoticeResponse(entriesOf(input));
}
