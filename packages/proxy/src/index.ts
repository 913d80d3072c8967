export { Gateway, errorSummary } from './gateway.js';
export type { GatewayListenerSpec, GatewayOptions, BoundListener } from './gateway.js';
export { Listener } from './listener.js';
export type { ListenAddress } from './listener.js';
export { createLogger, silentLogger } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
export { SqlStatementDecider } from './statement-decider.js';
export type { SessionIdentity, StatementOutcome, PolicySource } from './statement-decider.js';
export { createDevCertificate } from './tls/dev-certificate.js';
export type { PemKeyPair } from './tls/dev-certificate.js';
export { upstreamTlsOptions, UPSTREAM_TLS_MODES } from './tls/upstream-tls.js';
export type { UpstreamTlsMode, UpstreamTlsSettings } from './tls/upstream-tls.js';
export { composeHooks, decisionGate } from './session-hooks.js';
export type {
  AuthenticationOutcome,
  AuthenticationRefusal,
  CompletedStatement,
  GateRefusalReason,
  GateResult,
  HookSession,
  SessionAttempt,
  SessionHooks,
  SessionStart,
  SessionTraffic,
  UpstreamConnectOutcome,
} from './session-hooks.js';
export { AwaitableStream, ConnectionClosedError, HandshakeTimeoutError } from './awaitable-stream.js';
export type { PushMessageReader } from './awaitable-stream.js';
export { coalesceAdjacent } from './coalesce-adjacent.js';
