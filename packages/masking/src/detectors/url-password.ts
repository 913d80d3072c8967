import { LITERAL_TRIGGER } from './triggers.js';
import { isAlpha } from './chars.js';
import type { Detector, DetectorMatch } from './types.js';

const MAX_AUTHORITY = 512;
const MAX_VALUE = 256;
// password=…, pwd=…, passwd=… in ADO.NET, JDBC, ODBC and libpq key=value strings and URL queries.
const KEY_VALUE = /(?<![A-Za-z0-9_])(?:password|passwd|pwd)[ \t]{0,8}=[ \t]{0,8}/gi;
// "password": "…" in JSON configs that end up in logs.
const JSON_KEY = /"(?:password|passwd|pwd|secret)"[ \t]{0,8}:[ \t]{0,8}"/gi;

/**
 * Passwords inside URLs (scheme://user:pass@host) and connection strings. Only the password itself
 * is reported, so the user and host stay readable.
 */
export function urlPasswordDetector(): Detector {
  return {
    name: 'url_password',
    optIn: false,
    trigger: LITERAL_TRIGGER,
    find(text: string, out: DetectorMatch[]): void {
      findUrlPasswords(text, out);
      if (text.indexOf('=') >= 0) findKeyValuePasswords(text, out);
      if (text.indexOf('"') >= 0) findJsonPasswords(text, out);
    },
  };
}

function findUrlPasswords(text: string, out: DetectorMatch[]): void {
  let from = 0;
  for (;;) {
    const sep = text.indexOf('://', from);
    if (sep < 0) return;
    from = sep + 3;
    if (sep === 0 || !isAlpha(text.charCodeAt(sep - 1))) continue;
    // The authority runs to the first whitespace, quote or path character; the password is between
    // the first ':' and the last '@' in it, so passwords containing '@' or ':' are covered.
    const start = sep + 3;
    const limit = Math.min(text.length, start + MAX_AUTHORITY);
    let end = start;
    let at = -1;
    let colon = -1;
    while (end < limit) {
      const c = text.charCodeAt(end);
      if (c <= 32 || c === 34 || c === 39 || c === 96 || c === 60 || c === 62) break;
      if (c === 64) at = end;
      else if (c === 58 && colon < 0) colon = end;
      // '/', '?' and '#' end the authority; RFC 3986 userinfo cannot contain them unencoded.
      else if (c === 47 || c === 63 || c === 35) break;
      end++;
    }
    if (at < 0) {
      // Any '://' inside this run would stop at the same place without an '@': skip the run.
      if (end < limit || end === text.length) from = Math.max(from, end);
      continue;
    }
    if (colon < 0 || colon > at || colon + 1 === at) continue;
    out.push({ start: colon + 1, end: at, detector: 'url_password' });
    from = at + 1;
  }
}

function findKeyValuePasswords(text: string, out: DetectorMatch[]): void {
  KEY_VALUE.lastIndex = 0;
  for (let m = KEY_VALUE.exec(text); m !== null; m = KEY_VALUE.exec(text)) {
    const start = m.index + m[0].length;
    const end = valueEnd(text, start);
    // PWD=/home/… in environment dumps is the working directory, not a password.
    if (end > start && !(text.charCodeAt(start) === 47 && /pwd/i.test(m[0]))) {
      out.push({ start, end, detector: 'url_password' });
      KEY_VALUE.lastIndex = end;
    }
  }
}

function findJsonPasswords(text: string, out: DetectorMatch[]): void {
  JSON_KEY.lastIndex = 0;
  for (let m = JSON_KEY.exec(text); m !== null; m = JSON_KEY.exec(text)) {
    const start = m.index + m[0].length;
    const limit = Math.min(text.length, start + MAX_VALUE);
    let end = start;
    while (end < limit && text.charCodeAt(end) !== 34) end += text.charCodeAt(end) === 92 ? 2 : 1;
    end = Math.min(end, limit);
    if (end > start) {
      out.push({ start, end, detector: 'url_password' });
      JSON_KEY.lastIndex = end;
    }
  }
}

/** A value runs to ';', '&' or whitespace; quoted ('…', "…") or ADO braced ({…}) values to their close. */
function valueEnd(text: string, start: number): number {
  const limit = Math.min(text.length, start + MAX_VALUE);
  const open = text.charCodeAt(start);
  const close = open === 39 ? 39 : open === 34 ? 34 : open === 123 ? 125 : -1;
  if (close >= 0) {
    const end = text.indexOf(String.fromCharCode(close), start + 1);
    return end < 0 || end > limit ? limit : end + 1;
  }
  let end = start;
  while (end < limit) {
    const c = text.charCodeAt(end);
    if (c === 59 || c === 38 || c <= 32 || c === 34 || c === 39) break;
    end++;
  }
  return end;
}
