import { HmacSha256 } from '@gatehouse/masking';
import { AuditConfigError } from '../errors.js';

/**
 * A literal found by the classifier: `object` is the dotted ObjectRef name (`app.public.users`),
 * `column` the column it was compared with or written to, or `position` the bind parameter it came
 * from when the column is not known. Same shape as core's AuditLiteralBinding.
 */
export interface LiteralBinding {
  readonly object: string;
  readonly column?: string;
  readonly position?: number;
  readonly value: unknown;
}

/** Minimum key length: an HMAC key shorter than the hash output weakens it against guessing. */
export const MIN_DIGEST_KEY_BYTES = 32;

/** Stands in for "any column of this table", so `who-touched --table t --value v` works without a column. */
const ANY_COLUMN = '*';

/**
 * One form per value so `42`, `'42'`, `42.0` and `042` (which the database compares as equal on a
 * numeric column) give the same digest. Strings are NFC-normalised; case is kept because most
 * collations and every binary comparison are case-sensitive. null/undefined have no digest:
 * `IS NULL` identifies no record.
 */
export function normalizeLiteral(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? normalizeNumeric(String(value)) ?? String(value) : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return normalizeNumeric(trimmed) ?? value.normalize('NFC');
  }
  return JSON.stringify(value);
}

/** Plain decimal text to its shortest exact form, by string arithmetic (no float rounding of big ids). */
function normalizeNumeric(text: string): string | undefined {
  // The usual value (an id, a count) is already in that form: a plain run of digits, no leading zero.
  if (isPlainInteger(text)) return text;
  const match = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(text) ?? /^([+-]?)()\.(\d+)$/.exec(text);
  if (!match) {
    // 1e3 as a JS number arrives already expanded; exponent text stays a string.
    return undefined;
  }
  const sign = match[1] === '-' ? '-' : '';
  const whole = (match[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const body = fraction ? `${whole}.${fraction}` : whole;
  return body === '0' ? '0' : `${sign}${body}`;
}

/** `0`, or digits only with no leading zero: text normalizeNumeric would return unchanged. */
function isPlainInteger(text: string): boolean {
  const n = text.length;
  if (n === 0) return false;
  const first = text.charCodeAt(0);
  if (first === 0x30) return n === 1;
  if (first < 0x31 || first > 0x39) return false;
  for (let i = 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Validates and returns the HMAC key; keys come from config (base64/hex decoded by the caller). */
export function digestKey(key: Uint8Array | string): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (bytes.length < MIN_DIGEST_KEY_BYTES) {
    throw new AuditConfigError(`the who-touched digest key has ${bytes.length} bytes; use at least ${MIN_DIGEST_KEY_BYTES} random bytes (openssl rand -base64 32)`);
  }
  return bytes;
}

/**
 * Validated keys, prepared, by the key the caller holds (a trail keeps one for its lifetime):
 * digests run per statement on the gateway's thread, and re-validating the key or a createHmac per
 * digest showed in profiles. The HMAC is the masking package's (pad states computed once per key),
 * the one its `hash` strategy uses.
 */
const hmacs = new Map<Uint8Array | string, HmacSha256>();
const MAX_CACHED_KEYS = 16;

function hmacFor(key: Uint8Array | string): HmacSha256 {
  let hmac = hmacs.get(key);
  if (hmac === undefined) {
    hmac = new HmacSha256(digestKey(key));
    if (hmacs.size >= MAX_CACHED_KEYS) hmacs.clear();
    hmacs.set(key, hmac);
  }
  return hmac;
}

/** HMAC-SHA256(key, `${object}.${column}\0${normalizedValue}`) as hex. */
export function literalDigest(key: Uint8Array | string, object: string, column: string, value: unknown): string | undefined {
  const normalized = normalizeLiteral(value);
  if (normalized === undefined) return undefined;
  return digestOf(hmacFor(key), object, column, normalized);
}

/** Where a MAC's words become bytes for one native hex encoding (a string built per hex digit pair costs ~1 KB of garbage per digest). */
const macBytes = Buffer.alloc(32);

function digestOf(hmac: HmacSha256, object: string, column: string, normalized: string): string {
  const words = hmac.mac('', `${object}.${column}\0${normalized}`);
  for (let i = 0; i < 8; i++) macBytes.writeUInt32BE(words[i]!, i * 4);
  return macBytes.toString('hex');
}

/**
 * The digests to store for one statement: per binding one for its column (or `$n` for a bare
 * parameter position) and one for "any column" of the object, deduplicated and sorted so the
 * stored set does not reveal binding order. Each value is normalised once, and the usual single
 * binding needs no set.
 */
export function literalDigests(key: Uint8Array | string, bindings: readonly LiteralBinding[]): string[] {
  const hmac = hmacFor(key);
  if (bindings.length === 1) {
    const binding = bindings[0]!;
    const normalized = normalizeLiteral(binding.value);
    if (normalized === undefined) return [];
    const any = digestOf(hmac, binding.object, ANY_COLUMN, normalized);
    const column = bindingColumn(binding);
    if (column === undefined) return [any];
    const exact = digestOf(hmac, binding.object, column, normalized);
    return exact === any ? [any] : exact < any ? [exact, any] : [any, exact];
  }
  const out = new Set<string>();
  for (const binding of bindings) {
    const normalized = normalizeLiteral(binding.value);
    if (normalized === undefined) continue;
    const column = bindingColumn(binding);
    if (column !== undefined) out.add(digestOf(hmac, binding.object, column, normalized));
    out.add(digestOf(hmac, binding.object, ANY_COLUMN, normalized));
  }
  return [...out].sort();
}

function bindingColumn(binding: LiteralBinding): string | undefined {
  return binding.column ?? (binding.position !== undefined ? `$${binding.position}` : undefined);
}

/** The digest `whoTouched` searches for: a column, or any column of the object when none is given. */
export function touchDigest(key: Uint8Array | string, object: string, column: string | undefined, value: unknown): string | undefined {
  return literalDigest(key, object, column ?? ANY_COLUMN, value);
}
