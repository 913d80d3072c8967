import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { PrincipalKind } from '@gatehouse/core';
import { createAuthRateLimiter, createAuthenticator, createGatewayTokenVerifier, issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { createMasker } from '@gatehouse/masking';
import { loadPolicy } from '@gatehouse/policy';
import { Gateway, SqlStatementDecider, createDevCertificate, silentLogger, upstreamTlsOptions } from '@gatehouse/proxy';
import type { PolicySource, SessionHooks } from '@gatehouse/proxy';
import { createSqlClassifier } from '@gatehouse/sql';
import type { SqlClassifier } from '@gatehouse/sql';
import type { PostgresServer } from '@gatehouse/testkit';
import { readFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import pg from 'pg';
import { connect as connectTls } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { createPostgresAdapter } from '../postgres-adapter.js';
import { BackendReader } from '../protocol/backend-reader.js';
import { BackendCode } from '../protocol/codes.js';
import type { Frame } from '../protocol/frame.js';
import { encodePasswordMessage } from '../protocol/messages/authentication.js';
import { decodeErrorResponse } from '../protocol/messages/error-notice.js';
import { encodeQuery } from '../protocol/messages/query.js';
import { encodeSSLRequest, encodeStartupMessage } from '../protocol/messages/startup.js';
import { CancelRegistry } from '../session/cancel-registry.js';
import { UpstreamCatalog } from '../session/catalog.js';
import type { PostgresUpstreamSettings } from '../session/upstream-login.js';

export interface TestGateway {
  readonly port: number;
  /** The gateway's dev certificate, to verify it from clients. */
  readonly cert: string;
  /** A gateway token; `issuedAt` (ms since the epoch) back-dates it, e.g. to make an expired one. */
  token(user: string, groups?: string[], options?: { kind?: PrincipalKind; ttl?: string | number; issuedAt?: number }): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A whole gateway for one PostgreSQL connection, wired as the app wires it: real classifier,
 * policy, masking, identity and TLS, in front of a real server.
 */
export async function startTestGateway(
  server: PostgresServer,
  policyYaml: string,
  options: {
    allowPlaintextOnLoopback?: boolean;
    maxAuthFailures?: number;
    hooks?: SessionHooks;
    /** Builds the decision step (e.g. a subclass that rewrites statements); default: SqlStatementDecider. */
    decider?: (classifier: SqlClassifier, policy: PolicySource) => SqlStatementDecider;
    /** Talk to the server in plaintext (sslmode disable) instead of verify-full TLS. */
    plaintextUpstream?: boolean;
  } = {},
): Promise<TestGateway> {
  const stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-gw-'));
  const signingKey = await loadOrCreateSigningKey(join(stateDir, 'gateway.pem'));
  const authenticator = createAuthenticator({
    gatewayKey: createGatewayTokenVerifier({ publicKey: signingKey.publicKey }),
    rateLimiter: createAuthRateLimiter({ maxFailures: options.maxAuthFailures ?? 50 }),
  });
  const policy = loadPolicy(policyYaml, 'test-policy.yaml');
  const classifier = await createSqlClassifier();
  const policySource: PolicySource = { current: () => policy };
  const decider = options.decider ? options.decider(classifier, policySource) : new SqlStatementDecider(classifier, policySource);
  const masker = createMasker({ keys: { hash: 'test-hash-key' } });
  const upstream: PostgresUpstreamSettings = {
    host: server.host,
    port: server.port,
    database: server.database,
    user: server.user,
    password: server.password,
    tls: options.plaintextUpstream
      ? undefined
      : upstreamTlsOptions('localhost', { mode: 'verify-full', ...(server.caCertFile ? { ca: readFileSync(server.caCertFile, 'utf8') } : {}) }),
  };
  const certificate = await createDevCertificate(['localhost']);
  const catalog = new UpstreamCatalog(upstream);
  const adapter = createPostgresAdapter({
    secureContext: createSecureContext({ cert: certificate.cert, key: certificate.key }),
    allowPlaintextOnLoopback: options.allowPlaintextOnLoopback ?? false,
    upstream,
    authenticate: (request) => authenticator.authenticate(request),
    decider,
    masker,
    catalog,
    cancelRegistry: new CancelRegistry(),
    logger: silentLogger(),
    ...(options.hooks ? { hooks: options.hooks } : {}),
  });
  const gateway = new Gateway([{ connection: 'app', environment: 'prod', listen: { host: '127.0.0.1', port: 0 }, adapter }], {
    logger: silentLogger(),
    drainTimeoutMs: 2_000,
  });
  const [bound] = await gateway.start();
  return {
    port: bound!.address.port,
    cert: certificate.cert,
    token: (user, groups = [], tokenOptions = {}) =>
      issueGatewayToken(signingKey, {
        user,
        groups,
        kind: tokenOptions.kind ?? 'human',
        ttl: tokenOptions.ttl ?? '1h',
        ...(tokenOptions.issuedAt !== undefined ? { now: () => tokenOptions.issuedAt! } : {}),
      }),
    async stop() {
      await gateway.drain();
      catalog.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** An ErrorResponse the gateway sent, as an Error carrying its SQLSTATE. */
export class RawProtocolError extends Error {
  readonly code: string | undefined;
  constructor(frame: Frame) {
    const fields = decodeErrorResponse(frame).fields;
    super(fields.get('M') ?? 'error without a message');
    this.name = 'RawProtocolError';
    this.code = fields.get('C');
  }
}

/**
 * A logged-in client speaking raw protocol messages over TLS: for tests that need exact bytes on
 * the wire, or that must not keep rows (a driver would build an object per row).
 */
export interface RawClient {
  readonly socket: TLSSocket;
  /** Resolves when the connection is closed (by either side). */
  readonly closed: Promise<void>;
  /**
   * Sends `messages` in one write and passes every answer frame to `onFrame` until ReadyForQuery;
   * resolves with the frames kept (all unless `keep` is false). Rejects if the connection closes first.
   */
  request(messages: readonly Buffer[], options?: { keep?: boolean; onFrame?: (frame: Frame) => void }): Promise<Frame[]>;
  /** Every frame that arrives outside a request (e.g. after garbage was written on `socket`) goes here. */
  onUnsolicited(listener: (frame: Frame) => void): void;
  end(): void;
}

/** Opens a TLS connection to the gateway and logs in as `user` with `token` (cleartext password). */
export async function openRawClient(gateway: Pick<TestGateway, 'port' | 'cert'>, user: string, token: string): Promise<RawClient> {
  const tcp = connectTcp(gateway.port, '127.0.0.1');
  await new Promise((resolve, reject) => tcp.once('connect', resolve).once('error', reject));
  tcp.write(encodeSSLRequest());
  await new Promise((resolve) => tcp.once('data', resolve));
  const socket = connectTls({ socket: tcp, ca: gateway.cert, servername: 'localhost' });
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined); // surfaced through `closed` and rejected requests

  const reader = new BackendReader();
  let handler: ((frame: Frame) => void) | undefined;
  let unsolicited: (frame: Frame) => void = () => undefined;
  let onClose: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    for (const frame of reader.push(chunk)) (handler ?? unsolicited)(frame);
  });
  socket.once('close', () => onClose?.());

  function exchange(messages: readonly Buffer[], until: (frame: Frame) => boolean, keep: boolean, onFrame?: (frame: Frame) => void): Promise<Frame[]> {
    const frames: Frame[] = [];
    return new Promise<Frame[]>((resolve, reject) => {
      onClose = () => reject(new Error('the gateway closed the connection'));
      handler = (frame) => {
        onFrame?.(frame);
        if (keep) frames.push(frame);
        if (until(frame)) {
          handler = undefined;
          onClose = undefined;
          resolve(frames);
        }
      };
      if (messages.length > 0) socket.write(Buffer.concat(messages));
    });
  }

  let loginError: RawProtocolError | undefined;
  const login = exchange([encodeStartupMessage(new Map([['user', user], ['database', 'app']]))], (frame) => frame.code === BackendCode.ReadyForQuery || loginError !== undefined, false, (frame) => {
    if (frame.code === BackendCode.Authentication && frame.payload.readInt32BE(0) === 3) socket.write(encodePasswordMessage(token));
    if (frame.code === BackendCode.ErrorResponse) loginError = new RawProtocolError(frame);
  });
  await login.catch(() => undefined);
  if (loginError) {
    socket.destroy();
    throw loginError;
  }
  if (socket.destroyed) throw new Error('the gateway closed the connection during login');

  return {
    socket,
    closed,
    request: (messages, options = {}) => exchange(messages, (frame) => frame.code === BackendCode.ReadyForQuery, options.keep ?? true, options.onFrame),
    onUnsolicited(listener) {
      unsolicited = listener;
    },
    end: () => socket.end(),
  };
}

/** Logs in with raw protocol messages over TLS, sends `messages` in one write, returns the frames up to ReadyForQuery. */
export async function rawSession(gateway: TestGateway, user: string, token: string, messages: Buffer[]): Promise<Frame[]> {
  const client = await openRawClient(gateway, user, token);
  try {
    return await client.request(messages);
  } finally {
    client.end();
  }
}

/**
 * Runs `sql` as a simple query and counts its DataRows without keeping them; `onRow` sees each
 * DataRow (e.g. to sample values). Rejects with the first ErrorResponse.
 */
export async function countDataRows(client: RawClient, sql: string, onRow?: (frame: Frame, index: number) => void): Promise<number> {
  let rows = 0;
  let error: RawProtocolError | undefined;
  await client.request([encodeQuery(sql)], {
    keep: false,
    onFrame(frame) {
      if (frame.code === BackendCode.DataRow) {
        rows++;
        onRow?.(frame, rows - 1);
      }
      else if (frame.code === BackendCode.ErrorResponse) error ??= new RawProtocolError(frame);
    },
  });
  if (error) throw error;
  return rows;
}

/** A `pg` client straight to the server (not through the gateway), for seeding and checking. */
export async function connectDirect(server: PostgresServer, options: { superuser?: boolean } = {}): Promise<pg.Client> {
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user: options.superuser ? server.superuser : server.user,
    password: options.superuser ? server.superPassword : server.password,
    database: server.database,
    ssl: server.caCertFile ? { ca: readFileSync(server.caCertFile, 'utf8'), servername: 'localhost' } : false,
  });
  await client.connect();
  return client;
}
