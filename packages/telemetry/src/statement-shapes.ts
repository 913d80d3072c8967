import type { Action, Target } from '@gatehouse/core';
import type { StatementOutcome } from '@gatehouse/proxy';
import type { Attributes } from '@opentelemetry/api';
import { ATTR_DB_QUERY_TEXT } from '@opentelemetry/semantic-conventions';
import { ATTR_GATEHOUSE_STATEMENT_FINGERPRINT } from './attribute-names.js';
import { statementSemantics } from './db-semantics.js';

/** What the shapes of one session profile have in common. */
export interface ShapeContext {
  readonly target: Target;
  /** Added to every statement span (server, connection, environment). */
  readonly statementAttributes: Attributes;
  /** Added to the duration metric's attributes (server, connection). */
  readonly metricAttributes: Attributes;
}

/** Shapes remembered per profile before the cache starts over (a policy of ad-hoc texts must not grow it without bound). */
const MAX_SHAPES = 1_000;
/** `db.query.text` longer than this is cut (a bulk INSERT's redacted text can run to megabytes). */
export const MAX_QUERY_TEXT_CHARS = 2_048;

/**
 * What the statement span and the duration metric say about one statement shape, worked out once:
 * every execution of `SELECT … WHERE aid = ?` shares it, whatever its literals. Frozen, because
 * the same objects are handed to the SDK for every span and metric point.
 */
export interface StatementShape {
  readonly spanName: string;
  /** Semantic conventions + the session profile (server, connection, environment): set on every statement span. */
  readonly spanAttributes: Attributes;
  /** The duration metric's attributes for a statement that succeeded (errors add error.type). */
  readonly metricAttributes: Attributes;
  readonly readOnly: boolean;
  /** What the shape was computed from, to tell a reused fingerprint of another statement apart. */
  readonly source: readonly Action[];
}

/**
 * Statement shapes of one session profile, keyed by the classifier's fingerprint: the classifier
 * hands out the same object list for a repeated shape, so a hit costs a map lookup and a few
 * comparisons instead of the semantic-convention work (collections, summary, batch naming).
 */
export class StatementShapes {
  readonly #profile: ShapeContext;
  readonly #fingerprints: boolean;
  readonly #shapes = new Map<string, StatementShape>();

  /** `fingerprints`: also put the classifier's fingerprints on spans (full detail). */
  constructor(profile: ShapeContext, fingerprints: boolean) {
    this.#profile = profile;
    this.#fingerprints = fingerprints;
  }

  of(outcome: StatementOutcome): StatementShape {
    const { actions } = outcome;
    const key = actions.length === 1 ? actions[0]!.fingerprint : actions.map((action) => action.fingerprint).join('\u0000;');
    const known = this.#shapes.get(key);
    if (known && sameShape(known.source, actions)) return known;
    if (this.#shapes.size >= MAX_SHAPES) this.#shapes.clear();
    const shape = this.#compute(outcome);
    this.#shapes.set(key, shape);
    return shape;
  }

  #compute(outcome: StatementOutcome): StatementShape {
    const profile = this.#profile;
    const semantics = statementSemantics(outcome, profile.target, { decision: false });
    const spanAttributes: Attributes = { ...semantics.attributes, ...profile.statementAttributes };
    const text = spanAttributes[ATTR_DB_QUERY_TEXT];
    if (typeof text === 'string' && text.length > MAX_QUERY_TEXT_CHARS) spanAttributes[ATTR_DB_QUERY_TEXT] = `${text.slice(0, MAX_QUERY_TEXT_CHARS - 1)}…`;
    if (!this.#fingerprints) delete spanAttributes[ATTR_GATEHOUSE_STATEMENT_FINGERPRINT];
    return Object.freeze({
      spanName: semantics.spanName,
      spanAttributes: Object.freeze(spanAttributes),
      metricAttributes: Object.freeze({ ...semantics.metricAttributes, ...profile.metricAttributes }),
      readOnly: semantics.readOnly,
      source: outcome.actions,
    });
  }
}

/**
 * Whether two classifications describe the same statement shape: what the span shows (operation,
 * objects, category, flags, redacted text) must match, not only the fingerprint.
 */
function sameShape(known: readonly Action[], actions: readonly Action[]): boolean {
  if (known === actions) return true;
  if (known.length !== actions.length) return false;
  for (let i = 0; i < actions.length; i++) {
    const a = known[i]!;
    const b = actions[i]!;
    if (a === b) continue;
    if (a.redactedText !== b.redactedText || a.operation !== b.operation || a.category !== b.category || !sameList(a.flags, b.flags)) return false;
    if (a.objects !== b.objects && !sameObjects(a.objects, b.objects)) return false;
  }
  return true;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameObjects(a: Action['objects'], b: Action['objects']): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name || a[i]!.kind !== b[i]!.kind) return false;
  return true;
}
