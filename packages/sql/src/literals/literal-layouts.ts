import type { AuditLiteralBinding } from '@gatehouse/core';
import { LRUCache } from 'lru-cache';
import { LiteralSpans } from '../literal-spans.js';
import { scanPostgresLiteralShape } from '../postgres/literal-shape.js';

/**
 * The literal bindings of a plain PostgreSQL statement whose shape was seen before, without
 * lexing it again. Drivers in simple-query mode send the same statements with different literals
 * (pgbench -S: a new `aid` each time): the bindings (table, column, which literal) are those of
 * the shape, and only the literal values change.
 *
 * Why that holds: statements with the same redacted text (every literal `?`, see
 * scanPostgresLiteralShape) and the same kind of literal in each place (number or plain string)
 * have the same tokens apart from literal values, and the extractor decides bindings from tokens,
 * their kinds and the words around them, never from a literal's value. A shape's layout is worked
 * out once by the full extractor over a probe (the same text with a distinct literal in every
 * place, so each binding names its literal without doubt) and kept only if it gives exactly what
 * the full extractor gives for the text at hand.
 */

/** A binding as its shape fixes it: its literal by index, or none (a `$n` parameter). */
interface LayoutEntry {
  readonly object: string;
  /** The binding's members as the full extractor wrote them (present even when undefined). */
  readonly hasColumn: boolean;
  readonly column: string | undefined;
  readonly hasPosition: boolean;
  readonly position: number | undefined;
  /** The literal whose value this binding takes; -1 for a parameter. */
  readonly literal: number;
  /** `-` written before the number (the extractor's `col = -5`). */
  readonly negated: boolean;
}

/** Shapes longer than this take the full path: they are rare, and their keys would crowd the cache. */
const MAX_SHAPE_CHARS = 4096;
const MAX_SHAPES = 2048;
/** Probe literals: numbers far from any shape's own, strings no text holds. */
const PROBE_NUMBER_BASE = 7_300_000_000;
const PROBE_STRING_MARK = '\u0001';

export type FullExtraction = (text: string) => AuditLiteralBinding[];

export class LiteralLayouts {
  readonly #layouts = new LRUCache<string, readonly LayoutEntry[]>({ max: MAX_SHAPES });
  /** The scan's scratch, reused for every statement. */
  readonly #spans = new LiteralSpans();

  /**
   * The bindings of `text` (PostgreSQL), from its shape's layout when known; else by `full`,
   * learning the shape's layout when the text is one the layout can stand for.
   */
  bindings(text: string, contextKey: string, full: FullExtraction): AuditLiteralBinding[] {
    const spans = this.#spans;
    if (text.length > MAX_SHAPE_CHARS || !scanPostgresLiteralShape(text, spans)) return full(text);
    const key = shapeKey(text, spans, contextKey);
    const layout = this.#layouts.get(key);
    if (layout !== undefined) return fromLayout(layout, text, spans);
    const bindings = full(text);
    const learned = learnLayout(text, spans, full);
    // Kept only when it reproduces the full path's answer for this very text.
    if (learned !== undefined && sameBindings(fromLayout(learned, text, spans), bindings)) this.#layouts.set(key, learned);
    return bindings;
  }
}

/** The context, each literal's kind (n: number, s: string) and the redacted text. */
function shapeKey(text: string, spans: LiteralSpans, contextKey: string): string {
  let kinds = '';
  for (let k = 0; k < spans.count; k++) kinds += text.charCodeAt(spans.literalStart(k)) === 39 ? 's' : 'n';
  return `${contextKey}\u0000${kinds}\u0000${spans.redacted(text)}`;
}

function literalValue(text: string, spans: LiteralSpans, k: number): string {
  const raw = text.slice(spans.literalStart(k), spans.literalEnd(k));
  // The scan takes plain numbers and plain '…' strings only (no prefixes, no escapes but '').
  return raw.charCodeAt(0) === 39 ? raw.slice(1, -1).replaceAll("''", "'") : raw;
}

function fromLayout(layout: readonly LayoutEntry[], text: string, spans: LiteralSpans): AuditLiteralBinding[] {
  const out: AuditLiteralBinding[] = [];
  for (const entry of layout) {
    let value: string | undefined;
    if (entry.literal >= 0) {
      const written = literalValue(text, spans, entry.literal);
      value = entry.negated ? `-${written}` : written;
    }
    const { object, column, position } = entry;
    // Members as the full extractor writes them (object, column, position, value), so the two agree to the key.
    let binding: AuditLiteralBinding;
    if (entry.hasColumn && entry.hasPosition) binding = { object, column, position, value };
    else if (entry.hasColumn) binding = { object, column, value };
    else if (entry.hasPosition) binding = { object, position, value };
    else binding = { object, value };
    out.push(binding);
  }
  return out;
}

/** The layout the full extractor gives a probe of this text; undefined when a binding cannot be placed. */
function learnLayout(text: string, spans: LiteralSpans, full: FullExtraction): LayoutEntry[] | undefined {
  let probe = '';
  let copied = 0;
  const probes = new Map<string, number>();
  for (let k = 0; k < spans.count; k++) {
    const isString = text.charCodeAt(spans.literalStart(k)) === 39;
    const value = isString ? `${PROBE_STRING_MARK}${k}${PROBE_STRING_MARK}` : String(PROBE_NUMBER_BASE + k);
    probe += text.slice(copied, spans.literalStart(k)) + (isString ? `'${value}'` : value);
    copied = spans.literalEnd(k);
    probes.set(value, k);
  }
  probe += text.slice(copied);
  const layout: LayoutEntry[] = [];
  for (const binding of full(probe)) {
    const entry = { object: binding.object, hasColumn: 'column' in binding, column: binding.column, hasPosition: 'position' in binding, position: binding.position };
    if (binding.position !== undefined && binding.value === undefined) {
      layout.push({ ...entry, literal: -1, negated: false });
      continue;
    }
    if (typeof binding.value !== 'string') return undefined;
    const negated = binding.value.startsWith('-');
    const literal = probes.get(negated ? binding.value.slice(1) : binding.value);
    if (literal === undefined) return undefined;
    layout.push({ ...entry, literal, negated });
  }
  return layout;
}

function sameBindings(a: readonly AuditLiteralBinding[], b: readonly AuditLiteralBinding[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.object !== y.object || x.column !== y.column || x.position !== y.position || x.value !== y.value) return false;
    if ('column' in x !== 'column' in y || 'position' in x !== 'position' in y || 'value' in x !== 'value' in y) return false;
  }
  return true;
}
