import { Binary } from 'bson';
import type { Document } from 'bson';
import { DEFAULT_MAX_BSON_OBJECT_BYTES, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_WRITE_BATCH_SIZE } from '../protocol/opcodes.js';

/** OP_MSG is wire version 6 (MongoDB 3.6); the gateway relays nothing older. */
const MIN_RELAYED_WIRE_VERSION = 6;
/** The newest wire version the gateway has been checked against (MongoDB 8.x). */
const MAX_KNOWN_WIRE_VERSION = 27;

export const HELLO_COMMANDS = new Set(['hello', 'isMaster', 'ismaster']);

/** What the client said in its hello that the session keeps (goes into the session log). */
export interface ClientMetadata {
  readonly application: string | undefined;
  readonly driver: string | undefined;
  readonly platform: string | undefined;
}

export function clientMetadataOf(hello: Document): ClientMetadata | undefined {
  const client: unknown = hello['client'];
  if (typeof client !== 'object' || client === null) return undefined;
  const c = client as { application?: { name?: unknown }; driver?: { name?: unknown; version?: unknown }; platform?: unknown };
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value.slice(0, 256) : undefined);
  const driverName = text(c.driver?.name);
  const driverVersion = text(c.driver?.version);
  return {
    application: text(c.application?.name),
    driver: driverName ? `${driverName}${driverVersion ? ` ${driverVersion}` : ''}` : undefined,
    platform: text(c.platform),
  };
}

function clampedNumber(value: unknown, fallback: number, max: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) && n > 0 ? Math.min(n, max) : fallback;
}

export interface HelloAnswer {
  /** The command as the client named it: `hello` gets isWritablePrimary, isMaster gets ismaster. */
  readonly command: string;
  readonly helloOk: boolean;
  readonly connectionId: number;
  /** Present when the client asked for the mechanisms of a user (`saslSupportedMechs`). */
  readonly saslSupportedMechs: boolean;
  /** Set when the gateway completed a speculative authentication. */
  readonly speculativeDone: boolean;
  readonly maxMessageBytes: number;
}

/**
 * The gateway's own hello reply: one standalone, writable endpoint. No setName, hosts, me, primary
 * or topologyVersion, so a driver never learns another address to bypass the gateway and never
 * starts streaming (exhaust) hello monitoring. Limits and wire versions are the upstream's, clamped
 * to what the gateway enforces; no compressors are offered.
 */
export function helloReply(upstream: Document, answer: HelloAnswer): Document {
  const upstreamMax = clampedNumber(upstream['maxWireVersion'], MIN_RELAYED_WIRE_VERSION, MAX_KNOWN_WIRE_VERSION);
  const upstreamMin = typeof upstream['minWireVersion'] === 'number' ? upstream['minWireVersion'] : 0;
  const reply: Document = {
    ...(answer.helloOk ? { helloOk: true } : {}),
    ...(answer.command === 'hello' ? { isWritablePrimary: true } : { ismaster: true }),
    maxBsonObjectSize: clampedNumber(upstream['maxBsonObjectSize'], DEFAULT_MAX_BSON_OBJECT_BYTES, DEFAULT_MAX_BSON_OBJECT_BYTES),
    maxMessageSizeBytes: clampedNumber(upstream['maxMessageSizeBytes'], answer.maxMessageBytes, answer.maxMessageBytes),
    maxWriteBatchSize: clampedNumber(upstream['maxWriteBatchSize'], DEFAULT_MAX_WRITE_BATCH_SIZE, DEFAULT_MAX_WRITE_BATCH_SIZE),
    localTime: new Date(),
    ...(typeof upstream['logicalSessionTimeoutMinutes'] === 'number' ? { logicalSessionTimeoutMinutes: upstream['logicalSessionTimeoutMinutes'] } : {}),
    connectionId: answer.connectionId,
    minWireVersion: Math.max(0, Math.min(upstreamMin, upstreamMax)),
    maxWireVersion: upstreamMax,
    readOnly: false,
    ...(answer.saslSupportedMechs ? { saslSupportedMechs: ['PLAIN', 'MONGODB-OIDC'] } : {}),
    ...(answer.speculativeDone ? { speculativeAuthenticate: { conversationId: 1, done: true, payload: new Binary(Buffer.alloc(0)) } } : {}),
    ok: 1,
  };
  return reply;
}

export { DEFAULT_MAX_MESSAGE_BYTES };
