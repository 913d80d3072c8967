// Public API of the MongoDB adapter.

export { ProtocolError, ProtocolErrorCode, UpstreamAuthError, UpstreamAuthErrorCode } from './errors.js';

// Row filters on commands (also for `gatehouse policy explain --dialect mongodb`, to show the rewrite).
export { rewriteForRowFilters } from './row-filter/rewrite-command.js';
export type { RowFilterRewrite, DecodedSequences } from './row-filter/rewrite-command.js';
export { RowFilterRefusal } from './row-filter/refusal.js';
export { filtersFor } from './row-filter/filter-pattern.js';
export { applyRowFilters } from './session/row-filter-step.js';
export type { RowFilterStep } from './session/row-filter-step.js';

// Commands → actions (also for `gatehouse policy explain --dialect mongodb`).
export { classifyMongoCommand } from './classify/classify-command.js';
export type { CommandSequences } from './classify/classify-command.js';
export { CommandClassifications } from './classify/classification-cache.js';
export { commandShapeKey } from './classify/shape-key.js';

// Wire codec.
export { OpCode, HEADER_BYTES, DEFAULT_MAX_MESSAGE_BYTES, describeOpCode } from './protocol/opcodes.js';
export type { MongoMessage } from './protocol/message.js';
export { encodeMessage } from './protocol/message.js';
export { MessageReader, CLIENT_OPCODES, UPSTREAM_OPCODES } from './protocol/message-reader.js';
export type { MessageReaderOptions } from './protocol/message-reader.js';
export { MsgFlag, decodeOpMsg, encodeOpMsg, withFlags } from './protocol/op-msg.js';
export type { OpMsg, OpMsgInput, DocumentSequence } from './protocol/op-msg.js';
export { decodeOpQuery, encodeOpQuery, decodeOpReply, encodeOpReply } from './protocol/op-query.js';
export type { OpQuery, OpReply } from './protocol/op-query.js';
export { crc32c } from './protocol/crc32c.js';

// Auth.
export { ScramClient } from './auth/scram.js';
export type { ScramMechanism, ScramClientOptions } from './auth/scram.js';
export { parsePlainPayload, encodePlainPayload } from './auth/plain.js';

// The session layer: the DialectAdapter the gateway registers for `dialect: mongodb`.
export { createMongoAdapter } from './mongodb-adapter.js';
export type { MongoListenerOptions } from './session/mongo-session.js';
export { CursorRegistry } from './session/cursor-registry.js';
export { OperationRegistry, lsidKey } from './session/operation-registry.js';
export type { OperationRegistryOptions, InterruptibleSession } from './session/operation-registry.js';
export type { CursorRegistryOptions } from './session/cursor-registry.js';
export { connectUpstream, UpstreamFactsCache, UpstreamLoginError } from './session/upstream-login.js';
export type { MongoUpstreamSettings, UpstreamConnection, UpstreamFacts } from './session/upstream-login.js';
