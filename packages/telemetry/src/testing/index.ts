export { startOtlpReceiver, eventually, latestMetrics } from './otlp-receiver.js';
export type { OtlpReceiver, ReceivedSpan, ReceivedMetric, ReceivedPoint, ReceivedLog, AttributeValue } from './otlp-receiver.js';
export { decodeTraceRequest, decodeMetricsRequest, decodeLogsRequest } from './otlp-proto.js';
export { parsePrometheusText } from './prometheus-text.js';
export type { PrometheusFamily, PrometheusSample } from './prometheus-text.js';
