export { AuditError, AuditConfigError, AuditUnavailableError, AuditClosedError, AuditFieldError, AuditLogCorruptError } from './errors.js';
export { canonicalJson } from './canonical-json.js';
export { AUDIT_EVENT_TYPES, APPROVAL_STATES } from './events/event-types.js';
export type {
  AuditEventType,
  AuditPrincipal,
  AuditEventBase,
  AuditClient,
  AuditTls,
  AuditObject,
  AuditAction,
  AuditDecision,
  SessionStartEvent,
  SessionEndEvent,
  StatementEvent,
  StatementResultEvent,
  StatementResult,
  AuthRefusedEvent,
  ApprovalState,
  ApprovalEvent,
  ReloadEvent,
  AdminEvent,
  AuditEvent,
  SealedAuditEvent,
} from './events/event-types.js';
export {
  auditPrincipal,
  sessionContext,
  sessionStartEvent,
  sessionEndEvent,
  statementEvent,
  statementResultEvent,
  statementWithResult,
  authRefusedEvent,
  approvalEvent,
  reloadEvent,
  adminEvent,
} from './events/build-events.js';
export type { SessionContext, EventInput } from './events/build-events.js';
export { guardSqlText, guardProse, guardToken } from './events/literal-guard.js';
export type { Guarded } from './events/literal-guard.js';
export { literalDigests, literalDigest, touchDigest, normalizeLiteral, digestKey, MIN_DIGEST_KEY_BYTES } from './digest/literal-digests.js';
export type { LiteralBinding } from './digest/literal-digests.js';
export { GENESIS_HASH, eventHash } from './chain/event-hash.js';
export { CheckpointSigner, CHECKPOINT_REASONS, keyIdOf, keyringOf, checkCheckpoint } from './chain/checkpoint-signer.js';
export type { Checkpoint, CheckpointClaim, CheckpointReason, CheckpointKeyring } from './chain/checkpoint-signer.js';
export { ChainVerifier, VERIFY_PROBLEM_KINDS } from './chain/chain-verifier.js';
export type { VerifyProblem, VerifyProblemKind, StoredEventRow, ChainStart } from './chain/chain-verifier.js';
export type {
  AuditStore,
  AppendOptions,
  AuditSearchFilter,
  AuditSearchPage,
  AuditReadRange,
  VerifyReport,
  RetentionPolicy,
  PruneReport,
} from './store/audit-store.js';
export { SqlAuditStore } from './store/sql-audit-store.js';
export type { SqlAuditStoreOptions } from './store/sql-audit-store.js';
export { openEmbeddedAuditStore, openPostgresAuditStore } from './store/open-stores.js';
export type { EmbeddedAuditStoreOptions, PostgresAuditStoreOptions } from './store/open-stores.js';
export { PgliteDriver } from './store/pglite-driver.js';
export type { PgliteDriverOptions } from './store/pglite-driver.js';
export { PgliteWorkerDriver, PgliteWorkerError } from './store/worker/pglite-worker-driver.js';
export { PostgresDriver } from './store/postgres-driver.js';
export type { PostgresDriverOptions } from './store/postgres-driver.js';
export type { SqlDriver, SqlQueryable, AuditAppendingDriver, AuditAppendSettings } from './store/sql-driver.js';
export { appendsAudit } from './store/sql-driver.js';
export { AUDIT_SCHEMA_VERSION } from './store/schema.js';
export { ASYNC_SYNC_INTERVAL_MS } from './store/audit-store.js';
export { JsonlSink } from './sinks/jsonl-sink.js';
export type { JsonlSinkOptions } from './sinks/jsonl-sink.js';
export { AuditWriter, DURABILITIES } from './writer/audit-writer.js';
export type { Durability, AuditForwarder, AuditWriterOptions, AuditWriterStats, AuditWarning } from './writer/audit-writer.js';
export { AuditRecorder } from './recorder/audit-recorder.js';
export type { AuditRecorderOptions } from './recorder/audit-recorder.js';
export { AuditTrail, openAuditTrail } from './trail.js';
export { scheduleRetention } from './retention/retention-schedule.js';
export type { RetentionSchedule, RetentionScheduleOptions } from './retention/retention-schedule.js';
export type { AuditTrailOptions, AuditConfig, WhoTouchedQuery } from './trail.js';
