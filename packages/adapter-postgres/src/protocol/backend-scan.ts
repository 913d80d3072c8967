import { BACKEND_LENGTH_RULES, FRONTEND_LENGTH_RULES } from './message-rules.js';
import type { LengthRules } from './message-rules.js';

/**
 * Header-only reading of messages in place, for the relay's pass-through path: no Frame, no
 * view, no decoded string. Anything these functions cannot vouch for (a partial message, a length
 * the reader would refuse, a malformed tag) is reported as such, and the caller hands the bytes to
 * the reader (BackendReader, FrontendReader), whose checks and errors stay the only ones.
 */

/**
 * Size of the typed message at `buf[at]` (type byte included) when it is whole in `buf` and its
 * length passes the reader's rules; 0 when it is incomplete or the reader must judge it.
 */
export function wholeBackendMessageSize(buf: Buffer, at: number, maxMessageBytes: number): number {
  return wholeMessageSize(buf, at, BACKEND_LENGTH_RULES, maxMessageBytes);
}

/** wholeBackendMessageSize for client messages (the relay's client-side pass-through path). */
export function wholeFrontendMessageSize(buf: Buffer, at: number, maxMessageBytes: number): number {
  return wholeMessageSize(buf, at, FRONTEND_LENGTH_RULES, maxMessageBytes);
}

function wholeMessageSize(buf: Buffer, at: number, rules: LengthRules, maxMessageBytes: number): number {
  if (buf.length - at < 5) return 0;
  const code = buf[at]!;
  const length = (buf[at + 1]! << 24) | (buf[at + 2]! << 16) | (buf[at + 3]! << 8) | buf[at + 4]!;
  const min = rules.min[code]!;
  // An unknown code has min -1; `length < 4` also catches a negative (wrapped) length.
  if (min < 0 || length < 4 || length < min || length > rules.max[code]! || length > maxMessageBytes) return 0;
  return length + 1 <= buf.length - at ? length + 1 : 0;
}

/** The tag has no number at its end (`BEGIN`, `SET`). */
export const NO_ROWS = -1;
/** The tag is not one NUL-terminated string filling the message: the decoder must see it. */
export const MALFORMED_TAG = -2;

/**
 * The number at the end of the CommandComplete at `buf[at..at+size)` (`SELECT 5`, `INSERT 0 3` →
 * 5, 3), read from the bytes as `decodeCommandComplete` + `/(\d+)$/` would read the tag: NO_ROWS
 * without one, MALFORMED_TAG when the decoder would refuse the message.
 */
export function commandCompleteRows(buf: Buffer, at: number, size: number): number {
  const end = at + size - 1; // the tag's NUL terminator
  if (size < 6 || buf[end] !== 0) return MALFORMED_TAG;
  // Tags are a few bytes: a loop costs less than a call into indexOf.
  for (let i = at + 5; i < end; i++) if (buf[i] === 0) return MALFORMED_TAG;
  let digits = end;
  while (digits > at + 5 && buf[digits - 1]! >= 0x30 && buf[digits - 1]! <= 0x39) digits--;
  if (digits === end) return NO_ROWS;
  // Up to 15 digits are exact as a double; longer runs go through Number as the decoded tag would.
  if (end - digits > 15) return Number(buf.toString('latin1', digits, end));
  let rows = 0;
  for (let i = digits; i < end; i++) rows = rows * 10 + (buf[i]! - 0x30);
  return rows;
}
