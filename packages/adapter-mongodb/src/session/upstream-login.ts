import { connect as connectTcp } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as connectTls } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { Binary } from 'bson';
import type { Document } from 'bson';
import { GatehouseError } from '@gatehouse/core';
import { ScramClient } from '../auth/scram.js';
import type { ScramMechanism } from '../auth/scram.js';
import { UpstreamAuthError, UpstreamAuthErrorCode } from '../errors.js';
import { decodePlain, encodeDocumentValue } from '../protocol/bson-codec.js';
import { MessageReader, UPSTREAM_OPCODES } from '../protocol/message-reader.js';
import { decodeOpMsg, encodeOpMsg } from '../protocol/op-msg.js';
import { MessageStream } from './message-stream.js';
import { newRequestId } from './replies.js';

/** How the gateway reaches and logs in to the MongoDB server behind a connection. */
export interface MongoUpstreamSettings {
  readonly host: string;
  readonly port: number;
  /** Node TLS options (from `upstreamTlsOptions`), or undefined for `tls: disable`. */
  readonly tls: ConnectionOptions | undefined;
  /** The gateway's own user; omitted when the upstream needs no authentication. */
  readonly user?: string;
  readonly password?: string;
  /** Database holding the gateway user. Default `admin`. */
  readonly authSource?: string;
  /** Default: negotiated (SCRAM-SHA-256 when the server offers it, else SCRAM-SHA-1). */
  readonly mechanism?: ScramMechanism;
  readonly connectTimeoutMs?: number;
  readonly maxMessageBytes?: number;
}

/** The upstream could not be reached or refused the gateway's login. */
export class UpstreamLoginError extends GatehouseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('mongodb.upstream-login', message, options);
  }
}

/** A connected (and, with credentials, authenticated) upstream. */
export interface UpstreamConnection {
  readonly socket: Duplex;
  readonly stream: MessageStream;
  /** The server's hello reply. */
  readonly hello: Document;
}

async function openSocket(settings: MongoUpstreamSettings): Promise<Duplex> {
  const timeoutMs = settings.connectTimeoutMs ?? 10_000;
  return new Promise<Duplex>((resolve, reject) => {
    const socket = settings.tls
      ? connectTls({ ...settings.tls, host: settings.host, port: settings.port })
      : connectTcp({ host: settings.host, port: settings.port, noDelay: true });
    socket.setNoDelay?.(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new UpstreamLoginError(`connecting to ${settings.host}:${settings.port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once(settings.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new UpstreamLoginError(`cannot reach upstream ${settings.host}:${settings.port}: ${error.message}`, { cause: error }));
    });
  });
}

/** Sends one command and returns its reply document (plain JS values), whatever its `ok`. */
async function sendCommand(socket: Duplex, stream: MessageStream, command: Document, timeoutMs: number): Promise<Document> {
  const requestId = newRequestId();
  socket.write(encodeOpMsg({ requestId, responseTo: 0, body: encodeDocumentValue(command) }));
  const reply = await stream.next(timeoutMs);
  if (reply.responseTo !== requestId) throw new UpstreamLoginError('upstream answered out of order during login');
  return decodePlain(decodeOpMsg(reply).body);
}

/** Sends one command and returns its reply document (plain JS values); ok: 0 throws. */
export async function runCommand(socket: Duplex, stream: MessageStream, command: Document, timeoutMs = 10_000): Promise<Document> {
  const document = await sendCommand(socket, stream, command, timeoutMs);
  if (document['ok'] !== 1) throw refusedBy(command, document);
  return document;
}

function refusedBy(command: Document, reply: Document): UpstreamAuthError {
  const name = Object.keys(command)[0] ?? '?';
  return new UpstreamAuthError(UpstreamAuthErrorCode.Refused, `upstream refused ${name}: ${String(reply['errmsg'] ?? 'no message')} (code ${String(reply['code'] ?? '?')})`);
}

/** MongoDB's CommandNotFound. */
const COMMAND_NOT_FOUND = 59;

const GATEWAY_CLIENT_METADATA = {
  driver: { name: 'gatehouse', version: '0.1.0' },
  os: { type: process.platform },
  platform: `Node.js ${process.version}`,
  application: { name: 'gatehouse' },
};

/**
 * Connects to the upstream, says hello (OP_MSG: the gateway relays only servers that speak it,
 * MongoDB 3.6+), and logs in with the gateway's own credentials when it has any.
 */
export async function connectUpstream(settings: MongoUpstreamSettings, options: { authenticate?: boolean } = {}): Promise<UpstreamConnection> {
  const socket = await openSocket(settings);
  const reader = new MessageReader({ accept: UPSTREAM_OPCODES, peer: 'upstream', ...(settings.maxMessageBytes ? { maxMessageBytes: settings.maxMessageBytes } : {}) });
  const stream = new MessageStream(socket, reader, 'upstream');
  const timeoutMs = settings.connectTimeoutMs ?? 10_000;
  try {
    const authSource = settings.authSource ?? 'admin';
    const authenticate = (options.authenticate ?? true) && settings.user !== undefined;
    const handshake = {
      client: GATEWAY_CLIENT_METADATA,
      ...(authenticate && !settings.mechanism ? { saslSupportedMechs: `${authSource}.${settings.user}` } : {}),
      $db: 'admin',
    };
    let hello = await sendCommand(socket, stream, { hello: 1, ...handshake }, timeoutMs);
    // Servers before 4.4.2 (and the 4.2/4.0/3.6 patch releases without the backport) only know isMaster.
    if (hello['ok'] !== 1 && hello['code'] === COMMAND_NOT_FOUND) hello = await runCommand(socket, stream, { isMaster: 1, ...handshake }, timeoutMs);
    else if (hello['ok'] !== 1) throw refusedBy({ hello: 1 }, hello);
    if (typeof hello['maxWireVersion'] !== 'number' || hello['maxWireVersion'] < 6) {
      throw new UpstreamLoginError('upstream does not speak OP_MSG (maxWireVersion < 6, MongoDB older than 3.6)');
    }
    if (authenticate) await scramLogin(socket, stream, settings, authSource, hello, timeoutMs);
    return { socket, stream, hello };
  } catch (error) {
    socket.destroy();
    if (error instanceof GatehouseError) throw error;
    throw new UpstreamLoginError(`upstream login failed: ${(error as Error).message}`, { cause: error });
  }
}

function chooseMechanism(settings: MongoUpstreamSettings, hello: Document): ScramMechanism {
  if (settings.mechanism) return settings.mechanism;
  const offered: unknown = hello['saslSupportedMechs'];
  if (Array.isArray(offered)) {
    if (offered.includes('SCRAM-SHA-256')) return 'SCRAM-SHA-256';
    if (offered.includes('SCRAM-SHA-1')) return 'SCRAM-SHA-1';
    throw new UpstreamAuthError(UpstreamAuthErrorCode.NoSupportedMechanism, `upstream offers [${offered.join(', ')}] for the gateway user; the gateway speaks SCRAM-SHA-256 and SCRAM-SHA-1`);
  }
  return 'SCRAM-SHA-256';
}

async function scramLogin(socket: Duplex, stream: MessageStream, settings: MongoUpstreamSettings, authSource: string, hello: Document, timeoutMs: number): Promise<void> {
  const scram = new ScramClient({ mechanism: chooseMechanism(settings, hello), username: settings.user!, password: settings.password ?? '' });
  let reply = await runCommand(
    socket,
    stream,
    { saslStart: 1, mechanism: scram.mechanism, payload: new Binary(scram.clientFirst()), autoAuthorize: 1, options: { skipEmptyExchange: true }, $db: authSource },
    timeoutMs,
  );
  const conversationId: unknown = reply['conversationId'];
  reply = await runCommand(socket, stream, { saslContinue: 1, conversationId, payload: new Binary(scram.clientFinal(payloadOf(reply))), $db: authSource }, timeoutMs);
  scram.verifyServerFinal(payloadOf(reply));
  // Servers without skipEmptyExchange support want one more, empty, round.
  for (let rounds = 0; reply['done'] !== true; rounds++) {
    if (rounds > 2) throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramProtocol, 'upstream SCRAM conversation did not finish');
    reply = await runCommand(socket, stream, { saslContinue: 1, conversationId, payload: new Binary(Buffer.alloc(0)), $db: authSource }, timeoutMs);
  }
}

function payloadOf(reply: Document): Uint8Array {
  const payload: unknown = reply['payload'];
  if (payload instanceof Binary) return payload.buffer;
  if (payload instanceof Uint8Array) return payload;
  throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramProtocol, 'SASL reply carries no binary payload');
}

/** What the gateway tells clients about the server, learned from a probe connection and cached. */
export interface UpstreamFacts {
  readonly hello: Document;
  readonly buildInfo: Document | undefined;
}

/**
 * Hello facts (wire versions, limits, session support) for answering a client's first hello before
 * it has authenticated, so an unauthenticated client never causes a logged-in upstream session.
 */
export class UpstreamFactsCache {
  readonly #settings: MongoUpstreamSettings;
  readonly #ttlMs: number;
  #facts: Promise<UpstreamFacts> | undefined;
  #fetchedAt = 0;

  constructor(settings: MongoUpstreamSettings, ttlMs = 60_000) {
    this.#settings = settings;
    this.#ttlMs = ttlMs;
  }

  get(): Promise<UpstreamFacts> {
    const now = Date.now();
    if (!this.#facts || now - this.#fetchedAt > this.#ttlMs) {
      this.#fetchedAt = now;
      const facts = this.#probe();
      this.#facts = facts;
      facts.catch(() => {
        if (this.#facts === facts) this.#facts = undefined;
      });
    }
    return this.#facts;
  }

  /** Facts from a logged-in session's own hello (fresher than the probe). */
  remember(hello: Document): void {
    this.#facts = Promise.resolve({ hello, buildInfo: undefined });
    this.#fetchedAt = Date.now();
  }

  async #probe(): Promise<UpstreamFacts> {
    const upstream = await connectUpstream(this.#settings, { authenticate: false });
    try {
      const buildInfo = await runCommand(upstream.socket, upstream.stream, { buildInfo: 1, $db: 'admin' }).catch(() => undefined);
      return { hello: upstream.hello, buildInfo };
    } finally {
      upstream.socket.destroy();
    }
  }
}
