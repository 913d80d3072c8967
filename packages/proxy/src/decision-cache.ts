import type { Action, Decision, PolicyEngine } from '@gatehouse/core';
import type { SessionIdentity } from './statement-decider.js';

/** Statement shapes remembered per session; past this the session's shapes start over. */
const MAX_SHAPES_PER_SESSION = 256;

/** What one session decided under one policy: by the classifier's cached arrays, and by statement shape. */
export interface SessionDecisions {
  readonly byActions: WeakMap<readonly Action[], Decision>;
  readonly byShape: Map<string, { readonly actions: readonly Action[]; readonly decision: Decision }>;
}

/**
 * A decision is a pure function of the policy, the session's identity (principal, target, client
 * address) and the actions, so a session reuses the decisions it already made. Two ways to repeat:
 *
 * - the same text: the classifier hands back the same frozen array, found by identity;
 * - the same shape with other literals (`WHERE id = 7`, then `WHERE id = 8`): the classifier
 *   answers from its fingerprint cache, so the new actions carry the same classification objects
 *   and differ only in their redacted text. They are found by fingerprint and reused only when
 *   every other field is equal (the same objects, flags with the same members), so a policy that
 *   reads any field of an action sees exactly what it decided on.
 *
 * Keyed by object identity in weak maps: a policy reload, a database switch (a new identity) or a
 * session's end drops what it decided, and nothing is kept alive for the cache's sake.
 */
export class DecisionCache {
  readonly #sessions = new WeakMap<PolicyEngine, WeakMap<SessionIdentity, SessionDecisions>>();

  /**
   * `byShape`: the actions come from the SQL classifier, whose same-shape answers share their
   * classification objects. Actions built per request (MongoDB) never would: looking them up would
   * only churn the map.
   */
  decide(policy: PolicyEngine, identity: SessionIdentity, actions: readonly Action[], byShape: boolean): Decision {
    // Only the classifier's cached (frozen) arrays repeat by identity: weak-map entries for fresh
    // arrays would cost the garbage collector more than deciding again.
    if (!byShape && !Object.isFrozen(actions)) return decideNow(policy, identity, actions);
    return this.decideIn(this.session(policy, identity), policy, identity, actions, byShape);
  }

  /** As `decide`, in a session's decisions already looked up (callers that keep them per session skip two lookups). */
  decideIn(session: SessionDecisions, policy: PolicyEngine, identity: SessionIdentity, actions: readonly Action[], byShape: boolean): Decision {
    // Only frozen arrays are ever remembered by identity: a fresh one is not looked up.
    const frozen = Object.isFrozen(actions);
    if (!byShape && !frozen) return decideNow(policy, identity, actions);
    const known = frozen ? session.byActions.get(actions) : undefined;
    if (known) return known;
    const shape = byShape ? shapeKey(actions) : undefined;
    const similar = shape === undefined ? undefined : session.byShape.get(shape);
    if (similar && sameShape(similar.actions, actions)) return similar.decision;
    const decision = decideNow(policy, identity, actions);
    if (frozen) session.byActions.set(actions, decision);
    if (shape !== undefined) {
      if (session.byShape.size >= MAX_SHAPES_PER_SESSION) session.byShape.clear();
      session.byShape.set(shape, { actions, decision });
    }
    return decision;
  }

  /** The decisions a session made under a policy (kept as long as both are). */
  session(policy: PolicyEngine, identity: SessionIdentity): SessionDecisions {
    let byIdentity = this.#sessions.get(policy);
    if (!byIdentity) {
      byIdentity = new WeakMap();
      this.#sessions.set(policy, byIdentity);
    }
    let session = byIdentity.get(identity);
    if (!session) {
      session = { byActions: new WeakMap(), byShape: new Map() };
      byIdentity.set(identity, session);
    }
    return session;
  }
}

function decideNow(policy: PolicyEngine, identity: SessionIdentity, actions: readonly Action[]): Decision {
  return policy.decide({ principal: identity.principal, target: identity.target, actions, clientAddress: identity.clientAddress });
}

/** The fingerprints, one per statement; undefined for an empty list (nothing to look up). */
function shapeKey(actions: readonly Action[]): string | undefined {
  if (actions.length === 0) return undefined;
  if (actions.length === 1) return actions[0]!.fingerprint;
  let key = actions[0]!.fingerprint;
  for (let i = 1; i < actions.length; i++) key += `\u0000;${actions[i]!.fingerprint}`;
  return key;
}

function sameShape(known: readonly Action[], actions: readonly Action[]): boolean {
  if (known.length !== actions.length) return false;
  for (let i = 0; i < known.length; i++) if (!sameAction(known[i]!, actions[i]!)) return false;
  return true;
}

/** Every field of Action that sameAction places: compared, or (redactedText) deliberately not. */
type PlacedField = 'dialect' | 'category' | 'operation' | 'objects' | 'flags' | 'fingerprint' | 'lineage' | 'functions' | 'redactedText';
/** Stops compiling when Action gains a field sameAction does not place yet. */
const _everyFieldPlaced: Exclude<keyof Action, PlacedField> extends never ? true : false = true;

/**
 * Every field equal but the redacted text, which differs in literals and layout only (the
 * fingerprint, compared, fixes the rest). Arrays other than flags must be the very same array:
 * the classifier's shared classification.
 */
function sameAction(a: Action, b: Action): boolean {
  return (
    a === b ||
    (a.fingerprint === b.fingerprint &&
      a.dialect === b.dialect &&
      a.category === b.category &&
      a.operation === b.operation &&
      a.objects === b.objects &&
      a.lineage === b.lineage &&
      a.functions === b.functions &&
      sameMembers(a.flags, b.flags))
  );
}

function sameMembers(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
