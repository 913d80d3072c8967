/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, `undefined` members dropped,
 * Dates as ISO strings. Hashes and signatures are computed over this text, so the same event gives
 * the same bytes on every replica and after a round trip through any store.
 *
 * Written for speed (the stores encode every event): one string built by concatenation, keys
 * sorted in place only when they are not already in order. The embedded store's worker writes the
 * same bytes straight into its log (store/worker/shape-encoder.ts).
 */
export function canonicalJson(value: unknown): string {
  return encode(value);
}

/**
 * `"key":` per member name, made once: events have a few dozen distinct member names, and
 * JSON-quoting each name again for every event was a good part of encoding one. Bounded, since
 * an arbitrary object may bring names of its own.
 */
const keyTexts = new Map<string, string>();
const MAX_KEY_TEXTS = 1_024;

function keyText(key: string): string {
  let text = keyTexts.get(key);
  if (text === undefined) {
    text = `${JSON.stringify(key)}:`;
    if (keyTexts.size >= MAX_KEY_TEXTS) keyTexts.clear();
    keyTexts.set(key, text);
  }
  return text;
}

/** What JSON.stringify would escape in a string: quotes, backslashes, controls, lone surrogates (any surrogate, to be safe). */
// eslint-disable-next-line no-control-regex -- the point is to find the control characters JSON escapes.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** True when canonical JSON writes `value` as is between quotes (no escaping). */
export function plainJsonString(value: string): boolean {
  return !NEEDS_ESCAPE.test(value);
}

function encode(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      // Most strings need no escaping: quoting them by hand is cheaper than JSON.stringify.
      return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // NaN/Infinity have no JSON form; a hash over 'null' would silently hide the difference.
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON cannot encode a non-finite number');
      // Number-to-string is what JSON.stringify does for a finite number (-0 included).
      return String(value);
    case 'bigint':
      return `"${value.toString()}"`;
    case 'object':
      break;
    default:
      throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined ? 'null' : encode(item);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = sortedKeys(record);
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    out += first ? `${keyText(key)}${encode(item)}` : `,${keyText(key)}${encode(item)}`;
    first = false;
  }
  return `${out}}`;
}

/** Own enumerable keys in code-unit order (what Array#sort does by default), sorted in place. */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  // Insertion sort: objects here have a handful of keys, often already (nearly) in order.
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    if (keys[j]! <= key) continue;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}
