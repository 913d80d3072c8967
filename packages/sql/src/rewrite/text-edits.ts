import type { TextEdit } from './types.js';
import { RewriteRefusal } from './types.js';

/**
 * Applies edits to the original text. Edits must not overlap (two rewrites of one span would mean
 * the walker visited a reference twice); insertions at the same point keep their order.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = edits.map((edit, order) => ({ edit, order })).sort((a, b) => a.edit.start - b.edit.start || a.order - b.order);
  let out = '';
  let at = 0;
  for (const { edit } of sorted) {
    if (edit.start < at) throw new RewriteRefusal('two rewrites overlap in this statement');
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + text.slice(at);
}
