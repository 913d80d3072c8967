import type { Decision } from '@gatehouse/core';

/**
 * The MySQL classifier reads statement text with backslash escapes ON, `"…"` as a string (no
 * ANSI_QUOTES) and a character set where no multibyte character hides a `\` or a quote (not GBK,
 * SJIS, BIG5, CP932, GB18030: their second bytes include 0x5c). If the server read the same bytes
 * under other rules, it could run something other than what was decided. So the session's sql_mode
 * and client character set are checked after login and cannot be changed through the gateway.
 */

/** Character sets whose multibyte characters can contain 0x5c (`\`) or a quote byte. */
const UNSAFE_CHARSETS = new Set(['big5', 'sjis', 'cp932', 'gbk', 'gb18030']);

/** Collation ids (1 byte, as in a handshake) of the unsafe character sets. */
const UNSAFE_COLLATION_IDS = new Set([1, 84, 13, 88, 95, 96, 28, 87, 248, 249, 250]);

/** sql_mode flags under which the server would tokenise differently from the classifier. */
const UNSAFE_SQL_MODES = ['ANSI_QUOTES', 'NO_BACKSLASH_ESCAPES'];

export function isSafeCharsetName(name: string): boolean {
  return !UNSAFE_CHARSETS.has(name.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

export function isSafeCollationId(id: number): boolean {
  return !UNSAFE_COLLATION_IDS.has(id);
}

/** The unsafe flags in a sql_mode value (the server expands ANSI to include ANSI_QUOTES). */
export function unsafeSqlModeFlags(sqlMode: string): string[] {
  const flags = sqlMode.toUpperCase().split(',').map((flag) => flag.trim());
  return UNSAFE_SQL_MODES.filter((flag) => flags.includes(flag) || (flag === 'ANSI_QUOTES' && flags.includes('ANSI')));
}

/** The sql_mode with the unsafe flags removed. */
export function safeSqlMode(sqlMode: string): string {
  return sqlMode
    .split(',')
    .map((flag) => flag.trim())
    .filter((flag) => flag !== '' && !UNSAFE_SQL_MODES.includes(flag.toUpperCase()) && flag.toUpperCase() !== 'ANSI')
    .join(',');
}

/** A server-reported variable value that breaks the pin, or undefined when it is fine. */
export function pinnedVariableViolation(name: string, value: string): string | undefined {
  const variable = name.toLowerCase();
  if (variable === 'sql_mode' && unsafeSqlModeFlags(value).length > 0) return `sql_mode now contains ${unsafeSqlModeFlags(value).join(',')}`;
  if ((variable === 'character_set_client' || variable === 'character_set_connection') && !isSafeCharsetName(value)) {
    return `${variable} changed to ${value}`;
  }
  return undefined;
}

/*
 * Statements that would change a pinned setting. Assignments to sql_mode and the client character
 * set variables in any form (SET [SESSION|GLOBAL|@@…] x =, SET STATEMENT x = … FOR), and SET NAMES /
 * SET CHARACTER SET / SET CHARSET to an unsafe character set. Matching is on the text, so it also
 * catches assignments inside executable comments; a false positive only refuses a statement.
 */
const PINNED_ASSIGNMENT = /\b(?:sql_mode|character_set_client|character_set_connection)\s*:?=/i;
const SET_NAMES = /\bset\s+(?:names|character\s+set|charset)\s+(?:'([^']*)'|"([^"]*)"|`([^`]*)`|([a-z0-9_]+))/gi;

export function touchesPinnedSetting(text: string): boolean {
  if (PINNED_ASSIGNMENT.test(text)) return true;
  for (const match of text.matchAll(SET_NAMES)) {
    const charset = match[1] ?? match[2] ?? match[3] ?? match[4] ?? '';
    if (charset.toLowerCase() === 'default' || !isSafeCharsetName(charset)) return true;
  }
  return false;
}

export const PINNED_SETTING_RULE = 'gatehouse:pinned-session-settings';

/** The decision for a statement that would change a pinned setting. */
export function pinnedSettingDecision(): Decision {
  return {
    effect: 'deny',
    rules: [PINNED_SETTING_RULE],
    reason:
      'sql_mode and the client character set cannot be changed through the gateway (it must read statements as the server does); ' +
      'SET NAMES is allowed for utf8mb4, utf8 and single-byte character sets',
    risk: { score: 10, factors: [{ name: 'pinned-setting', points: 10 }] },
    obligations: { audit: 'full' },
    observed: [],
  };
}
