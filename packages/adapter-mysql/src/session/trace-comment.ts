/** A W3C traceparent: version-traceid-parentid-flags in lowercase hex, nothing else (it goes into SQL). */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Where the end of a statement text is, as the server would read it. */
type TailState = 'code' | 'line-comment' | 'open';

/**
 * Reads MySQL text the way the gateway pins the session (backslash escapes on, `"` quotes strings)
 * and says where it ends: in code, in a `--`/`#` line comment, or inside something still open
 * (string, quoted identifier, block or executable comment).
 */
function tailState(text: string): TailState {
  let i = 0;
  let inExecutableComment = false;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      i++;
      for (;;) {
        if (i >= n) return 'open';
        const c = text[i]!;
        if (c === '\\' && ch !== '`') i += 2;
        else if (c === ch) {
          if (text[i + 1] === ch) i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      if (text[i + 2] === '!' || (text[i + 2] === 'M' && text[i + 3] === '!')) {
        // Executable comment: its body is code, up to the matching `*/`.
        if (inExecutableComment) return 'open'; // they do not nest; leave such text alone
        inExecutableComment = true;
        i += text[i + 2] === '!' ? 3 : 4;
        continue;
      }
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return 'open';
      i = end + 2;
      continue;
    }
    if (ch === '*' && text[i + 1] === '/' && inExecutableComment) {
      inExecutableComment = false;
      i += 2;
      continue;
    }
    if (ch === '#' || (ch === '-' && text[i + 1] === '-' && (i + 2 >= n || text.charCodeAt(i + 2) <= 0x20))) {
      const end = text.indexOf('\n', i);
      if (end < 0) return 'line-comment';
      i = end + 1;
      continue;
    }
    i++;
  }
  return inExecutableComment ? 'open' : 'code';
}

/**
 * The statement text with W3C trace context appended in the sqlcommenter style,
 * `… /*traceparent='00-…-01'*\/`, before a final `;`; the text unchanged when the value is not a
 * well-formed traceparent or the text ends inside a string or comment (appending a `*\/` there could
 * change what the server runs). A trailing line comment is ended with a newline first.
 */
export function withTraceComment(text: string, traceparent: string): string {
  if (!TRACEPARENT.test(traceparent)) return text;
  const state = tailState(text);
  if (state === 'open') return text;
  const comment = `/*traceparent='${traceparent}'*/`;
  if (state === 'line-comment') return `${text}\n${comment}`;
  // Before a final `;` (and trailing blanks), as sqlcommenter places it.
  let end = text.length;
  while (end > 0 && /[\s;]/.test(text[end - 1]!)) end--;
  const head = text.slice(0, end);
  // Unless the blanks cut off are what ends a line comment: then the comment goes after them.
  if (end < text.length && tailState(head) !== 'code') return `${text}${comment}`;
  return `${head} ${comment}${text.slice(end)}`;
}
