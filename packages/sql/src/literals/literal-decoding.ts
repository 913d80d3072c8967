import type { SqlDialect } from '@gatehouse/core';
import { decodeMssqlString, decodeMysqlString } from '../rewrite/value-rows.js';

/**
 * The value of a string literal token as the server reads it, for the who-touched digests only.
 * Forms whose decoding is not certain here (PostgreSQL U&'…', bit/hex strings, MySQL charset
 * introducers) give undefined: no digest is better than a digest of the wrong value.
 */
export function decodeStringLiteral(dialect: SqlDialect, raw: string): string | undefined {
  switch (dialect) {
    case 'postgres':
      return decodePostgres(raw);
    case 'mysql':
      return decodeMysqlString(raw);
    case 'mssql':
      return decodeMssqlString(raw);
  }
}

function decodePostgres(raw: string): string | undefined {
  if (raw.startsWith("'")) return raw.slice(1, -1).replaceAll("''", "'");
  if (raw.startsWith('$')) {
    const tagEnd = raw.indexOf('$', 1);
    const tag = raw.slice(0, tagEnd + 1);
    return raw.endsWith(tag) && raw.length >= tag.length * 2 ? raw.slice(tag.length, raw.length - tag.length) : undefined;
  }
  if (raw[0] === 'E' || raw[0] === 'e') return decodeEscapeString(raw.slice(2, -1));
  return undefined;
}

const PG_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'" };

/** E'…' with the simple escapes; octal, hex and unicode escapes give undefined (left undecoded). */
function decodeEscapeString(body: string): string | undefined {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "'" && body[i + 1] === "'") {
      out += "'";
      i++;
    } else if (c === '\\') {
      const next = body[++i] ?? '';
      if (/[0-7xuU]/.test(next)) return undefined;
      out += PG_ESCAPES[next] ?? next;
    } else {
      out += c;
    }
  }
  return out;
}
