import { Binary, deserialize } from 'bson';
import type { Document } from 'bson';
import type { Principal } from '@gatehouse/core';
import { GatehouseError } from '@gatehouse/core';
import { parsePlainPayload } from '../auth/plain.js';
import { authenticationFailedReply, unsupportedMechanismReply } from './native-errors.js';

/** What the session needs to prove who a client is. */
export interface ClientAuthContext {
  readonly tls: boolean;
  /** Plaintext loopback allowed by the listener: PLAIN is then accepted without TLS. */
  readonly plaintextAllowed: boolean;
  readonly clientAddress: string;
  /** Which JWT claim names the user for MONGODB-OIDC (the OIDC verifier's userClaim). Default `sub`. */
  readonly oidcUserClaim: string;
  authenticate(request: { user: string; credential: string; clientAddress: string }): Promise<Principal>;
}

export type AuthOutcome =
  | { readonly ok: true; readonly principal: Principal; readonly mechanism: 'PLAIN' | 'MONGODB-OIDC'; readonly reply: Document }
  | { readonly ok: false; readonly reply: Document; readonly reason: string };

function payloadBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Binary) return value.buffer;
  if (value instanceof Uint8Array) return value;
  return undefined;
}

const DONE: Document = { conversationId: 1, done: true, payload: new Binary(Buffer.alloc(0)), ok: 1 };

/** The user a JWT claims to be, read without verification (the authenticator verifies and compares). */
function claimedUser(jwt: string, claim: string): string | undefined {
  const [, payload] = jwt.split('.');
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const value = claims[claim];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One `saslStart` (or a hello's `speculativeAuthenticate`): PLAIN carries `\0user\0token`, and only
 * inside TLS; MONGODB-OIDC carries `{jwt}` from the driver's token callback. Both finish in one
 * step. Every other mechanism gets the same clear refusal.
 */
export async function authenticateSaslStart(command: Document, context: ClientAuthContext): Promise<AuthOutcome> {
  const mechanism: unknown = command['mechanism'];
  const payload = payloadBytes(command['payload']);
  if (mechanism === 'PLAIN') {
    if (!context.tls && !context.plaintextAllowed) {
      return { ok: false, reason: 'PLAIN outside TLS', reply: authenticationFailedReply('PLAIN is accepted only inside TLS; connect with tls=true') };
    }
    const credentials = payload ? parsePlainPayload(payload) : undefined;
    if (!credentials) return { ok: false, reason: 'malformed PLAIN payload', reply: authenticationFailedReply('malformed PLAIN payload') };
    return verify(credentials.user, credentials.password, 'PLAIN', context);
  }
  if (mechanism === 'MONGODB-OIDC') {
    let step: Document;
    try {
      step = payload ? deserialize(payload) : {};
    } catch {
      return { ok: false, reason: 'malformed OIDC payload', reply: authenticationFailedReply('malformed MONGODB-OIDC payload') };
    }
    const jwt: unknown = step['jwt'];
    if (typeof jwt !== 'string' || jwt.length === 0) {
      return {
        ok: false,
        reason: 'OIDC without a token',
        reply: authenticationFailedReply('MONGODB-OIDC needs a token from the driver (OIDC_CALLBACK); the gateway does not run the human flow'),
      };
    }
    const user = claimedUser(jwt, context.oidcUserClaim);
    if (!user) return { ok: false, reason: 'OIDC token without user claim', reply: authenticationFailedReply(`the token has no "${context.oidcUserClaim}" claim`) };
    return verify(user, jwt, 'MONGODB-OIDC', context);
  }
  return { ok: false, reason: `mechanism ${typeof mechanism === 'string' ? mechanism.slice(0, 40) : '?'} refused`, reply: unsupportedMechanismReply() };
}

async function verify(user: string, credential: string, mechanism: 'PLAIN' | 'MONGODB-OIDC', context: ClientAuthContext): Promise<AuthOutcome> {
  try {
    const principal = await context.authenticate({ user, credential, clientAddress: context.clientAddress });
    return { ok: true, principal, mechanism, reply: DONE };
  } catch (error) {
    const message = error instanceof GatehouseError ? error.message : 'authentication failed';
    return { ok: false, reason: message, reply: authenticationFailedReply(message) };
  }
}

/** The user a refused SASL PLAIN attempt claimed (authzid or authcid), for the audit trail; never the token. */
export function claimedUserOf(command: Document): string {
  const payload: unknown = command['payload'];
  if (command['mechanism'] !== 'PLAIN' || !(payload instanceof Uint8Array)) return '?';
  const parts = Buffer.from(payload).toString('utf8').split('\0');
  return (parts[1] || parts[0] || '?').slice(0, 128);
}
