/**
 * Defence in depth. The classifier already replaces every literal with `?`; these guards run again
 * on every free-text field just before an event is built, so a classifier bug or a careless caller
 * cannot put a value into a tamper-evident (hence unerasable) trail. They redact rather than
 * reject: refusing the event would lose the record of a statement, which is worse.
 */
export interface Guarded {
  readonly text: string;
  /** How many fragments were blanked; non-zero means something upstream leaked a literal. */
  readonly redactions: number;
}

const PLACEHOLDER = '?';

/**
 * Blanks string literals, dollar-quoted bodies, numbers and comment bodies in redacted SQL text.
 * Placeholders ($1, ?, ?1, :name, @p1) and identifiers (t1, "Col 2", `x`) pass through.
 * In MySQL double quotes delimit strings, elsewhere identifiers.
 */
export function guardSqlText(text: string, dialect?: string): Guarded {
  let out = '';
  let redactions = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === "'" || (c === '"' && dialect === 'mysql')) {
      const end = quotedEnd(text, i, c);
      if (end - i > 2) {
        out += PLACEHOLDER;
        redactions++;
      } else {
        out += text.slice(i, end);
      }
      i = end;
    } else if (c === '"' || c === '`') {
      const end = quotedEnd(text, i, c);
      out += text.slice(i, end);
      i = end;
    } else if (c === '$' && /^\$[A-Za-z_][A-Za-z_0-9]*\$|^\$\$/.test(text.slice(i, i + 66))) {
      const tag = /^\$[A-Za-z_0-9]*\$/.exec(text.slice(i))![0];
      const close = text.indexOf(tag, i + tag.length);
      const end = close < 0 ? n : close + tag.length;
      out += PLACEHOLDER;
      redactions++;
      i = end;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const end = close < 0 ? n : close + 2;
      const body = text.slice(i + 2, close < 0 ? n : close);
      if (/^[\s?]*$/.test(body)) out += text.slice(i, end);
      else {
        out += `/* ${PLACEHOLDER} */`;
        redactions++;
      }
      i = end;
    } else if (c === '-' && text[i + 1] === '-') {
      const close = text.indexOf('\n', i);
      const end = close < 0 ? n : close;
      if (/^[\s?]*$/.test(text.slice(i + 2, end))) out += text.slice(i, end);
      else {
        out += `-- ${PLACEHOLDER}`;
        redactions++;
      }
      i = end;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c) || ((c === '$' || c === '@' || c === ':' || c === '?' || c === '#') && i + 1 < n)) {
      // An identifier, keyword or placeholder: digits inside it are part of a name, not a value.
      const match = /^[$@:?#]?[\w$#@\u0080-\uffff]*/.exec(text.slice(i))![0];
      out += match.length > 0 ? match : c;
      i += Math.max(1, match.length);
    } else if (/\d/.test(c) || (c === '.' && /\d/.test(text[i + 1] ?? ''))) {
      const match = /^(?:0[xX][0-9a-fA-F]+|\d*\.?\d+(?:[eE][+-]?\d+)?)[\w]*/.exec(text.slice(i))![0];
      out += PLACEHOLDER;
      redactions++;
      i += Math.max(1, match.length);
    } else {
      out += c;
      i++;
    }
  }
  return { text: out, redactions };
}

/** Index just past the closing quote (doubled quotes and backslash escapes stay inside). */
function quotedEnd(text: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && quote !== '`') i += 2;
    else if (c === quote) {
      if (text[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return text.length;
}

const PROSE_PATTERNS: readonly RegExp[] = [
  /'[^']*'|"[^"]*"|`[^`]*`/g, // anything quoted is taken to be a value
  /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, // e-mail addresses
  /\d[\d\s-]{2,}\d/g, // runs of 4+ digits: card numbers, phone numbers, ids copied from rows
];

/**
 * For human prose (decision reasons, approval comments): blanks quoted fragments, e-mail
 * addresses and long digit runs. Short numbers stay so "risk 7 of 10" still reads.
 */
export function guardProse(text: string): Guarded {
  let redactions = 0;
  let out = text;
  for (const pattern of PROSE_PATTERNS) {
    out = out.replace(pattern, () => {
      redactions++;
      return PLACEHOLDER;
    });
  }
  return { text: out, redactions };
}

/**
 * Identifiers, codes and names (session ids, rule ids, SQLSTATEs, object names) must look like
 * tokens; anything else is replaced, so a value pasted into an id field cannot survive.
 */
export function guardToken(value: string): Guarded {
  return isToken(value) ? { text: value, redactions: 0 } : { text: PLACEHOLDER, redactions: 1 };
}

/** ASCII word characters and `.:@/+#$*?-[]`: what a token may hold. */
const TOKEN_CHARS = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:@/+#$*?-[]') TOKEN_CHARS[c.charCodeAt(0)] = 1;

/** /^[\w.:@/+#$*?\-[\]]{0,256}$/, by table: it runs for every statement's ids. */
function isToken(value: string): boolean {
  const n = value.length;
  if (n > 256) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || TOKEN_CHARS[c] === 0) return false;
  }
  return true;
}
