import type { PrincipalAttributeValue, PrincipalKind } from '@gatehouse/core';

export interface DemoIdentitySpec {
  /** The user name clients connect as; the token must prove the same identity. */
  readonly user: string;
  readonly groups: readonly string[];
  readonly kind: PrincipalKind;
  /** Token attributes the demo policy's row filters read (`${principal.region}`). */
  readonly attributes?: Readonly<Record<string, PrincipalAttributeValue>>;
  /** What the demo policy lets this identity do, for the banner. */
  readonly role: string;
  /** Environment variable name the printed snippets use for the token. */
  readonly tokenVariable: string;
}

/** One identity per story the demo policy tells (apps/gateway/demo/policy.yaml). */
export const DEMO_IDENTITIES: readonly DemoIdentitySpec[] = [
  { user: 'ana', groups: ['analysts'], kind: 'human', role: 'analyst: reads, PII masked', tokenVariable: 'ANA_TOKEN' },
  { user: 'dora', groups: ['dba'], kind: 'human', role: 'DBA: everything, except destructive DDL; unbounded writes need review', tokenVariable: 'DORA_TOKEN' },
  {
    user: 'support-bot',
    groups: ['support'],
    kind: 'agent',
    attributes: { region: 'eu' },
    role: 'AI agent (region eu): read-only, only eu customers, PII hashed or redacted, 1000-row cap',
    tokenVariable: 'BOT_TOKEN',
  },
];
