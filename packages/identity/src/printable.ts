// eslint-disable-next-line no-control-regex -- the point is to find control characters.
const CONTROL = /[\u0000-\u001f\u007f]/g;

/**
 * Client-supplied text about to go into an error message (which reaches logs and terminals):
 * control characters replaced so it cannot forge log lines or terminal escapes, and shortened.
 */
export function printable(text: string, max = 100): string {
  const clean = text.replace(CONTROL, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
