import type { Action } from '@gatehouse/core';

/**
 * SQL-level cursors (DECLARE … CURSOR, then FETCH) would let a client read a result in batches of
 * N rows each, past a per-statement row limit. So under a row limit the rows of every FETCH count
 * against its cursor, named as the server names it; a successful DECLARE of that name starts over.
 * The names are read from the classifier's fingerprint, where comments are gone and unquoted
 * identifiers are already folded to lower case.
 */

/** PostgreSQL truncates identifiers to NAMEDATALEN - 1 bytes: two longer spellings can be one cursor. */
const MAX_IDENTIFIER_BYTES = 63;

const UNQUOTED = /^[a-z_\u0080-\uffff][a-z0-9_$\u0080-\uffff]*$/;
const QUOTED = /^"((?:[^"]|"")+)"$/;

/** The server's name for an identifier token, or undefined when it is spelled any other way (U&"…", …). */
function identifierName(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  let name: string;
  if (UNQUOTED.test(token)) name = token;
  else {
    const quoted = QUOTED.exec(token);
    if (!quoted) return undefined;
    name = quoted[1]!.replaceAll('""', '"');
  }
  return truncateToBytes(name, MAX_IDENTIFIER_BYTES);
}

function truncateToBytes(name: string, max: number): string {
  if (Buffer.byteLength(name) <= max) return name;
  let bytes = 0;
  let end = 0;
  for (const char of name) {
    bytes += Buffer.byteLength(char);
    if (bytes > max) break;
    end += char.length;
  }
  return name.slice(0, end);
}

/**
 * Splits a fingerprint at whitespace, keeping quoted identifiers (with spaces or doubled quotes)
 * whole and glued to any prefix, so `U&"…"` (or a stray quote) stays one token the name reader refuses.
 */
function tokens(fingerprint: string): string[] {
  return fingerprint.replace(/;\s*$/, '').match(/(?:[^\s"]|"(?:[^"]|"")*"|")+/g) ?? [];
}

/** The cursor a FETCH reads: its last token. Undefined when the gateway cannot read the name with certainty. */
export function fetchedCursor(action: Action): string | undefined {
  const all = tokens(action.fingerprint);
  const last = all.at(-1);
  // `FETCH name` / `FETCH ALL name` / `FETCH … FROM name`: never the FETCH keyword itself.
  return all.length >= 2 ? identifierName(last) : undefined;
}

/** The cursor a DECLARE creates: the token after DECLARE. */
export function declaredCursor(action: Action): string | undefined {
  const all = tokens(action.fingerprint);
  return all[0]?.toUpperCase() === 'DECLARE' ? identifierName(all[1]) : undefined;
}
