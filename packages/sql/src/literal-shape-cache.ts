import type { Action } from '@gatehouse/core';
import { ActionLayout, buildAction, layoutOfKeys } from './action-layout.js';
import type { LiteralSpans } from './literal-spans.js';

/**
 * Literal-varying statements (`WHERE aid = 7`, then `WHERE aid = 8`) by their literal shape (their
 * redacted text, found by the dialect's `scanLiteralShape`), per classification context: what the
 * full path made of the first text of each shape, from which every later text's action is made
 * without lexing. Bounded in entries and in the text it holds: when full it starts over (the full
 * path, with its own shape cache, still answers).
 */
export class LiteralShapeCache {
  readonly #byContext = new Map<string, Map<string, LiteralShape>>();
  readonly #maxEntries: number;
  readonly #maxChars: number;
  #entries = 0;
  /** Characters held: each shape's redacted text, its segments (about as long again) and its first text. */
  #chars = 0;
  /** The last shape found: sessions repeat one shape back to back, checked in place without a key. */
  #last: LiteralShape | undefined;

  constructor(maxEntries: number, maxBytes: number) {
    this.#maxEntries = maxEntries;
    this.#maxChars = maxBytes / 2; // UTF-16
  }

  /** The known shape of a scanned text, if any. */
  find(contextKey: string, text: string, spans: LiteralSpans): LiteralShape | undefined {
    const last = this.#last;
    if (last !== undefined && last.contextKey === contextKey && spans.redactsTo(text, last.segments)) return last;
    const shape = this.#byContext.get(contextKey)?.get(spans.redacted(text));
    if (shape !== undefined) this.#last = shape;
    return shape;
  }

  /**
   * Remembers what the full path made of the first text of a shape, which `spans` holds, and hands
   * back the actions frozen: that very text, repeated, gets this array again (as from the exact
   * cache), whose identity tells the decider it is a repeat. Undefined when it is not kept.
   */
  remember(contextKey: string, text: string, spans: LiteralSpans, actions: Action[]): Action[] | undefined {
    const action = actions[0]!;
    const chars = 2 * action.redactedText.length + text.length;
    // A shape bigger than a tenth of the budget would only push the others out.
    if (chars > this.#maxChars / 10) return undefined;
    const frozen = Object.freeze(actions) as Action[];
    if (this.#entries >= this.#maxEntries || this.#chars + chars > this.#maxChars) {
      this.#byContext.clear();
      this.#entries = 0;
      this.#chars = 0;
      this.#last = undefined;
    }
    let shapes = this.#byContext.get(contextKey);
    if (!shapes) this.#byContext.set(contextKey, (shapes = new Map()));
    if (shapes.has(action.redactedText)) return frozen;
    shapes.set(action.redactedText, new LiteralShape(contextKey, text, frozen, spans.segments(text)));
    this.#entries++;
    this.#chars += chars;
    return frozen;
  }
}

/** One remembered shape. */
export class LiteralShape {
  /** Every later action of the shape shares the flags: frozen, so no holder can change another's. */
  readonly #template: Action;
  readonly #layout: ActionLayout;

  constructor(
    readonly contextKey: string,
    /** The text the shape was first seen with, and its (frozen) actions. */
    readonly firstText: string,
    readonly firstActions: Action[],
    /** The redacted text between its literals' `?`s. */
    readonly segments: readonly string[],
  ) {
    const first = firstActions[0]!;
    this.#template = { ...first, flags: Object.freeze(first.flags.slice()) };
    this.#layout = layoutOf(this.#template);
  }

  /**
   * The action of another text of this shape: the template's with the same redacted text (that
   * very string); everything else shared, as the classification objects already are through the
   * shape cache.
   */
  action(): Action {
    const a = this.#template;
    return this.#layout === ActionLayout.Spread ? { ...a } : buildAction(this.#layout, a.dialect, a, a.flags, a.fingerprint, a.redactedText);
  }
}

/** The template's layout: its keys without the first (dialect) and the last two (fingerprint, redactedText). */
function layoutOf(action: Action): ActionLayout {
  const keys = Object.keys(action);
  const framed = keys[0] === 'dialect' && keys.at(-2) === 'fingerprint' && keys.at(-1) === 'redactedText';
  return framed ? layoutOfKeys(keys.slice(1, -2)) : ActionLayout.Spread;
}
