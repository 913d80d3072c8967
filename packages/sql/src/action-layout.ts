import type { Action, Flag, SqlDialect } from '@gatehouse/core';
import type { StatementClassification } from './dialect-module.js';

/**
 * Actions are `{ dialect, ...classification, flags, fingerprint, redactedText }`. Written out as an
 * object literal they cost a fraction of the spread (V8 copies a spread that is not the first
 * property one key at a time), so the usual key orders are built as literals, in exactly the order
 * the spread gives (JSON of either is byte-identical); any other order is spread.
 */
export const ActionLayout = {
  Plain: 0,
  Lineage: 1,
  Functions: 2,
  LineageFunctions: 3,
  Spread: 4,
} as const;
export type ActionLayout = (typeof ActionLayout)[keyof typeof ActionLayout];

/** The classification's keys, in order, for each layout built as a literal. */
const CLASSIFICATION_KEYS: ReadonlyArray<readonly [ActionLayout, string]> = [
  [ActionLayout.Plain, 'category,operation,objects,flags'],
  [ActionLayout.Lineage, 'category,operation,objects,flags,lineage'],
  [ActionLayout.Functions, 'category,operation,objects,flags,functions'],
  [ActionLayout.LineageFunctions, 'category,operation,objects,flags,lineage,functions'],
];

/** The layout of an object with the keys of a classification (an action without its first and last two keys). */
export function layoutOfKeys(keys: readonly string[]): ActionLayout {
  const joined = keys.join(',');
  return CLASSIFICATION_KEYS.find(([, order]) => order === joined)?.[0] ?? ActionLayout.Spread;
}

/** Classifications are shared by every action of their shape: each one's layout is worked out once. */
const layouts = new WeakMap<StatementClassification, ActionLayout>();

/** `{ dialect, ...classification, flags, fingerprint, redactedText }`, built as cheaply as its keys allow. */
export function actionOf(
  dialect: SqlDialect,
  classification: StatementClassification,
  flags: readonly Flag[],
  fingerprint: string,
  redactedText: string,
): Action {
  let layout = layouts.get(classification);
  if (layout === undefined) {
    layout = layoutOfKeys(Object.keys(classification));
    layouts.set(classification, layout);
  }
  return layout === ActionLayout.Spread
    ? { dialect, ...classification, flags, fingerprint, redactedText }
    : buildAction(layout, dialect, classification, flags, fingerprint, redactedText);
}

/** The action as an object literal of `layout` (any layout but Spread). */
export function buildAction(
  layout: ActionLayout,
  dialect: SqlDialect | Action['dialect'],
  c: Pick<StatementClassification, 'category' | 'operation' | 'objects' | 'lineage' | 'functions'>,
  flags: readonly Flag[],
  fingerprint: string,
  redactedText: string,
): Action {
  switch (layout) {
    case ActionLayout.Lineage:
      return { dialect, category: c.category, operation: c.operation, objects: c.objects, flags, lineage: c.lineage!, fingerprint, redactedText };
    case ActionLayout.Functions:
      return { dialect, category: c.category, operation: c.operation, objects: c.objects, flags, functions: c.functions!, fingerprint, redactedText };
    case ActionLayout.LineageFunctions:
      return {
        dialect,
        category: c.category,
        operation: c.operation,
        objects: c.objects,
        flags,
        lineage: c.lineage!,
        functions: c.functions!,
        fingerprint,
        redactedText,
      };
    default:
      return { dialect, category: c.category, operation: c.operation, objects: c.objects, flags, fingerprint, redactedText };
  }
}
