/**
 * COPY … TO STDOUT output formats the gateway can parse row by row, and so mask. Anything else
 * (BINARY, a custom DELIMITER/QUOTE/ESCAPE/NULL, an option spelled as a string literal) cannot be
 * masked with certainty and is withheld when the decision carries a mask plan.
 */
export interface CopyOutFormat {
  readonly csv: boolean;
  readonly header: boolean;
}

const ALLOWED_WORDS = new Set(['with', 'format', 'csv', 'text', 'header', 'true', 'on', '1']);

/** The output format of a COPY statement's text, or undefined when it is not one we can parse. */
export function copyOutFormat(statement: string): CopyOutFormat | undefined {
  const match = /\bto\s+stdout\b/i.exec(statement);
  if (!match) return undefined;
  const options = statement
    .slice(match.index + match[0].length)
    .replace(/;\s*$/, '')
    .replace(/[(),]/g, ' ')
    .trim()
    .toLowerCase();
  const words = options === '' ? [] : options.split(/\s+/);
  if (!words.every((word) => ALLOWED_WORDS.has(word))) return undefined;
  return { csv: words.includes('csv'), header: words.includes('header') };
}
