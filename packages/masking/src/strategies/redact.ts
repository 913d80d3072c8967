export const DEFAULT_REPLACEMENT = '****';

/** redact: a fixed mask, whatever the value. */
export function redactStrategy(replacement: string = DEFAULT_REPLACEMENT): (value: string) => string {
  return () => replacement;
}
