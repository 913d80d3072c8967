import type { Target } from '@gatehouse/core';
import type { Attributes } from '@opentelemetry/api';
import { ATTR_DB_SYSTEM_NAME, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '@opentelemetry/semantic-conventions';
import { ATTR_GATEHOUSE_CONNECTION, ATTR_GATEHOUSE_ENVIRONMENT } from './attribute-names.js';
import { dbSystemName } from './db-semantics.js';
import { StatementShapes } from './statement-shapes.js';

/** Where a session's statements go: the same for every session of a connection (and upstream). */
export interface SessionProfile {
  readonly target: Target;
  readonly connection: string;
  /** server.address/port of the upstream, when its login was reported. */
  readonly server: Attributes;
  /** Set on every statement span of the profile (server, connection, environment). */
  readonly statementAttributes: Attributes;
  /** Added to the duration metric's attributes (server, connection). */
  readonly metricAttributes: Attributes;
  /** `gatehouse.sessions.active` attributes. */
  readonly activeAttributes: Attributes;
  /** The statement shapes seen on this profile (shared by its sessions). */
  readonly shapes: StatementShapes;
}

/** Profiles remembered (connections × databases × upstreams); beyond, a session gets a profile (and shapes cache) of its own. With MAX_SHAPES this bounds the caches to some 32,000 shapes. */
const MAX_PROFILES = 32;

/**
 * Session profiles, shared by every session with the same target and upstream, so the attribute
 * objects of a statement (and the shapes cache) are built once per connection, not per session
 * or statement.
 */
export class SessionProfiles {
  readonly #profiles = new Map<string, SessionProfile>();
  readonly #fingerprints: boolean;

  constructor(fingerprints: boolean) {
    this.#fingerprints = fingerprints;
  }

  of(target: Target, server?: { readonly address: string; readonly port: number }): SessionProfile {
    const key = `${target.connection}\u0000${target.environment}\u0000${target.dialect}\u0000${target.database ?? ''}\u0000${server?.address ?? ''}\u0000${server?.port ?? ''}`;
    const known = this.#profiles.get(key);
    if (known) return known;
    const profile = this.#create(target, server);
    if (this.#profiles.size < MAX_PROFILES) this.#profiles.set(key, profile);
    return profile;
  }

  #create(target: Target, server?: { readonly address: string; readonly port: number }): SessionProfile {
    const serverAttributes: Attributes = server ? Object.freeze({ [ATTR_SERVER_ADDRESS]: server.address, [ATTR_SERVER_PORT]: server.port }) : Object.freeze({});
    const statementAttributes = Object.freeze({ ...serverAttributes, [ATTR_GATEHOUSE_CONNECTION]: target.connection, [ATTR_GATEHOUSE_ENVIRONMENT]: target.environment });
    const metricAttributes = Object.freeze({ ...serverAttributes, [ATTR_GATEHOUSE_CONNECTION]: target.connection });
    return {
      target,
      connection: target.connection,
      server: serverAttributes,
      statementAttributes,
      metricAttributes,
      activeAttributes: Object.freeze({ [ATTR_GATEHOUSE_CONNECTION]: target.connection, [ATTR_DB_SYSTEM_NAME]: dbSystemName(target.dialect) }),
      shapes: new StatementShapes({ target, statementAttributes, metricAttributes }, this.#fingerprints),
    };
  }
}
