/*
 * Gatehouse's own attribute and metric names. Database attributes come from
 * @opentelemetry/semantic-conventions (the stable database client conventions, semconv ≥ 1.33);
 * these are the gateway-specific ones, all under `gatehouse.`.
 */

export const ATTR_GATEHOUSE_CONNECTION = 'gatehouse.connection';
export const ATTR_GATEHOUSE_ENVIRONMENT = 'gatehouse.environment';
export const ATTR_GATEHOUSE_SESSION_ID = 'gatehouse.session.id';
export const ATTR_GATEHOUSE_PRINCIPAL_ID = 'gatehouse.principal.id';
export const ATTR_GATEHOUSE_PRINCIPAL_KIND = 'gatehouse.principal.kind';
export const ATTR_GATEHOUSE_PRINCIPAL_VIA = 'gatehouse.principal.via';
export const ATTR_GATEHOUSE_CLIENT_TLS = 'gatehouse.client.tls';
export const ATTR_GATEHOUSE_CLIENT_APPLICATION = 'gatehouse.client.application';
export const ATTR_GATEHOUSE_DECISION_EFFECT = 'gatehouse.decision.effect';
export const ATTR_GATEHOUSE_POLICY_RULES = 'gatehouse.policy.rules';
export const ATTR_GATEHOUSE_POLICY_OBSERVED = 'gatehouse.policy.observed_rules';
export const ATTR_GATEHOUSE_RISK_SCORE = 'gatehouse.risk.score';
export const ATTR_GATEHOUSE_RISK_FACTORS = 'gatehouse.risk.factors';
export const ATTR_GATEHOUSE_STATEMENT_CATEGORY = 'gatehouse.statement.category';
export const ATTR_GATEHOUSE_STATEMENT_FLAGS = 'gatehouse.statement.flags';
export const ATTR_GATEHOUSE_STATEMENT_FINGERPRINT = 'gatehouse.statement.fingerprint';
export const ATTR_GATEHOUSE_STATEMENT_RESULT = 'gatehouse.statement.result';
export const ATTR_GATEHOUSE_GATE_RESULT = 'gatehouse.gate.result';
export const ATTR_GATEHOUSE_APPROVAL_ID = 'gatehouse.approval.id';
export const ATTR_GATEHOUSE_MASKED_VALUES = 'gatehouse.masking.masked_values';
export const ATTR_GATEHOUSE_ROWS_AFFECTED = 'gatehouse.rows_affected';
/** semconv `client.address` and `network.io.direction` (spelled out: not in the stable export we use). */
export const ATTR_CLIENT_ADDRESS = 'client.address';
export const ATTR_NETWORK_IO_DIRECTION = 'network.io.direction';

export const SPAN_SESSION = 'gatehouse.session';
export const SPAN_AUTHENTICATE = 'gatehouse.authenticate';
export const SPAN_UPSTREAM_CONNECT = 'gatehouse.upstream.connect';
export const SPAN_GATE_WAIT = 'gatehouse.gate.wait';
export const SPAN_UPSTREAM_ROUND_TRIP = 'gatehouse.upstream.round_trip';
export const EVENT_POLICY_DECISION = 'gatehouse.policy.decision';

export const METRIC_POLICY_DECISIONS = 'gatehouse.policy.decisions';
export const METRIC_AUTHENTICATION_FAILURES = 'gatehouse.authentication.failures';
export const METRIC_SESSIONS_ACTIVE = 'gatehouse.sessions.active';
export const METRIC_MASKED_VALUES = 'gatehouse.masking.masked_values';
export const METRIC_APPROVALS_PENDING = 'gatehouse.approvals.pending';
export const METRIC_AUDIT_QUEUE_DEPTH = 'gatehouse.audit.queue.depth';
export const METRIC_AUDIT_DROPPED = 'gatehouse.audit.dropped';
/** Audit writes that had to wait for room in a full queue: back-pressure reaching client statements. */
export const METRIC_AUDIT_QUEUE_WAITS = 'gatehouse.audit.queue.waits';
export const METRIC_UPSTREAM_CONNECT_ERRORS = 'gatehouse.upstream.connect_errors';
export const METRIC_CLIENT_IO = 'gatehouse.client.io';
