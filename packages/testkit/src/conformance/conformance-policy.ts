import type { ConformanceIdentity, ConformancePerson } from './conformance-target.js';

/** Rule ids the suite expects to see named in refusals. */
export const CONFORMANCE_RULES = {
  noDrop: 'conformance-no-drop',
  reviewUnboundedDelete: 'conformance-review-unbounded-delete',
  analystRead: 'conformance-analyst-read',
  appAll: 'conformance-app-all',
} as const;

/**
 * The one policy every dialect runs the suite with. Object names differ per dialect
 * (db.schema.table, db.table, db.collection), so mask patterns use `**` to match any prefix.
 * - analyst: reads only, with email partially masked and ssn redacted;
 * - app: everything, except what the deny and review rules catch (deny beats review beats allow);
 * - nobody: no rule matches, so default deny.
 */
export const CONFORMANCE_POLICY_YAML = `
version: 1
rules:
  - id: ${CONFORMANCE_RULES.noDrop}
    effect: deny
    when: { action: { operation: [DROP TABLE, DROP COLLECTION, DROP] } }
    message: Dropping tables is blocked
  - id: ${CONFORMANCE_RULES.reviewUnboundedDelete}
    effect: review
    when: { action: { category: [write], flags: [unbounded] } }
    review: { approvers: { groups: [dba] }, mode: ticket, timeout: 15m }
  - id: ${CONFORMANCE_RULES.analystRead}
    effect: allow
    when:
      principal: { groups: [analysts] }
      action: { category: [read] }
    mask:
      columns:
        "**.people.email": partial
        "**.people.ssn": redact
        "**.big.email": partial
  - id: ${CONFORMANCE_RULES.appAll}
    effect: allow
    when: { principal: { groups: [app] } }
`;

export const CONFORMANCE_IDENTITIES = {
  analyst: { user: 'ana.analyst', groups: ['analysts'], kind: 'human' },
  app: { user: 'app-service', groups: ['app'], kind: 'service' },
  nobody: { user: 'nobody', groups: [], kind: 'human' },
} as const satisfies Record<string, ConformanceIdentity>;

/** The two `people` rows every target seeds; values look like real PII so detectors would fire too. */
export const CONFORMANCE_PEOPLE: readonly ConformancePerson[] = [
  { id: 1, name: 'Ana Lima', email: 'ana.lima@example.com', ssn: '123-45-6789' },
  { id: 2, name: 'Bo Chen', email: 'bo.chen@example.org', ssn: '987-65-4321' },
];

/** Rows in `big`: enough that a gateway buffering results would show it, small enough for CI. */
export const CONFORMANCE_BIG_ROWS = 200_000;

/** The email of big row `id` (1-based), so targets seed the same data. */
export function bigRowEmail(id: number): string {
  return `user${id}@example.com`;
}
