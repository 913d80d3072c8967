export const PRINCIPAL_KINDS = ['human', 'agent', 'service'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** Attribute values carried by a principal's token (e.g. tenant, region), used by filters. */
export type PrincipalAttributeValue = string | number | boolean | readonly (string | number | boolean)[];

/** Who is acting: a person, an AI agent or a service, as proven to the gateway. */
export interface Principal {
  readonly id: string;
  readonly groups: readonly string[];
  readonly kind: PrincipalKind;
  /** How the identity was proven: 'gateway-token', 'oidc', 'agent-token', 'cli', … */
  readonly via: string;
  readonly attributes?: Readonly<Record<string, PrincipalAttributeValue>>;
}
