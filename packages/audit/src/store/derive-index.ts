import type { AuditEvent } from '../events/event-types.js';

/** The single-valued search columns of an event row. */
export interface IndexColumns {
  readonly at: string;
  readonly type: string;
  readonly sessionId: string | null;
  readonly principalId: string | null;
  readonly connection: string | null;
  readonly environment: string | null;
  readonly effect: string | null;
}

export const TERM_KINDS = ['group', 'object', 'operation', 'category', 'rule', 'digest', 'statement', 'approval', 'flag'] as const;
export type TermKind = (typeof TERM_KINDS)[number];

/**
 * What search can see of an event. Derived from the event alone, so verify() can recompute it
 * and notice an index edited to hide a record.
 */
export function indexColumns(event: AuditEvent): IndexColumns {
  return {
    at: event.at,
    type: event.type,
    sessionId: event.sessionId ?? null,
    principalId: event.principal?.id ?? (event.type === 'admin' ? event.actor : null),
    connection: event.connection ?? null,
    environment: event.environment ?? null,
    effect: event.type === 'statement' ? event.decision.effect : null,
  };
}

/** How a term is stored in the events row's `terms` array: `kind:term` (kinds hold no colon). */
export function storedTerm(kind: TermKind, term: string): string {
  return `${kind}:${term}`;
}

/**
 * The `terms` column of an event's row: its search keys as `kind:term`, distinct, sorted. Built as
 * strings straight away: this runs for every event the index takes in.
 */
export function storedTerms(event: AuditEvent): string[] {
  const terms = new Set<string>();
  const add = (kind: TermKind, term: string | undefined): void => {
    if (term !== undefined && term !== '') terms.add(storedTerm(kind, term));
  };
  for (const group of event.principal?.groups ?? []) add('group', group);
  if (event.type === 'statement' || event.type === 'statement.result') add('statement', event.statementId);
  if (event.type === 'statement') {
    for (const action of event.actions) {
      add('operation', action.operation.toUpperCase());
      add('category', action.category);
      for (const object of action.objects) add('object', object.name);
    }
    for (const rule of event.decision.rules) add('rule', rule);
    for (const digest of event.literalDigests ?? []) add('digest', digest);
    add('approval', event.approvalId);
    if (event.rewritten) add('flag', 'rewritten');
  }
  if (event.type === 'approval') {
    add('approval', event.approvalId);
    add('rule', event.rule);
  }
  if (event.type === 'admin') add('operation', event.action.toUpperCase());
  // No kind is a prefix of another and none holds a colon: this is the (kind, term) order.
  return [...terms].sort();
}
