export { createTelemetry, INSTRUMENTATION_SCOPE } from './create-telemetry.js';
export type { Telemetry } from './create-telemetry.js';
export { resolveTelemetrySettings, parseKeyValueList, OTLP_EXPORTERS, EXPORTER_CHOICES, TRACE_DETAILS, EXPORT_THREADS } from './telemetry-config.js';
export type { TelemetryConfig, TelemetrySettings, OtlpSettings, OtlpExporterKind, ExporterChoice, TraceDetail, ExportThread } from './telemetry-config.js';
export { TelemetryConfigError } from './errors.js';
export { auditLogForwarder } from './audit-log-forwarder.js';
export type { AuditLogForwarder, AuditRecordLike } from './audit-log-forwarder.js';
export { TelemetryHooks } from './telemetry-hooks.js';
export type { TelemetryHooksOptions } from './telemetry-hooks.js';
export { GatewayMetrics, DURATION_BUCKETS_SECONDS } from './gateway-metrics.js';
export type { GaugeSources, GaugeReading } from './gateway-metrics.js';
export { dbSystemName, statementSemantics, decisionAttributes, rulesLabel, MARIADB_SYSTEM_NAME } from './db-semantics.js';
export type { StatementSemantics } from './db-semantics.js';
export { sqlCommenterComment, traceparent, withSqlComment } from './trace-context.js';
export { metricsHandlerOf, startPrometheusListener } from './prometheus-endpoint.js';
export type { MetricsHandler, PrometheusListener } from './prometheus-endpoint.js';
export {
  ATTR_GATEHOUSE_APPROVAL_ID,
  ATTR_GATEHOUSE_CONNECTION,
  ATTR_GATEHOUSE_DECISION_EFFECT,
  ATTR_GATEHOUSE_ENVIRONMENT,
  ATTR_GATEHOUSE_MASKED_VALUES,
  ATTR_GATEHOUSE_POLICY_RULES,
  ATTR_GATEHOUSE_PRINCIPAL_ID,
  ATTR_GATEHOUSE_PRINCIPAL_KIND,
  ATTR_GATEHOUSE_RISK_SCORE,
  EVENT_POLICY_DECISION,
  METRIC_APPROVALS_PENDING,
  METRIC_AUDIT_DROPPED,
  METRIC_AUDIT_QUEUE_DEPTH,
  METRIC_AUDIT_QUEUE_WAITS,
  METRIC_AUTHENTICATION_FAILURES,
  METRIC_CLIENT_IO,
  METRIC_MASKED_VALUES,
  METRIC_POLICY_DECISIONS,
  METRIC_SESSIONS_ACTIVE,
  METRIC_UPSTREAM_CONNECT_ERRORS,
  SPAN_AUTHENTICATE,
  SPAN_GATE_WAIT,
  SPAN_SESSION,
  SPAN_UPSTREAM_CONNECT,
  SPAN_UPSTREAM_ROUND_TRIP,
} from './attribute-names.js';
