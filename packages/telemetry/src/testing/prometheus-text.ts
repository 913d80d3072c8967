import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { PrometheusFamily, PrometheusSample } from 'parse-prometheus-text-format';

export type { PrometheusFamily, PrometheusSample };

/**
 * A scrape parsed by parse-prometheus-text-format (a port of the Prometheus Python client's
 * parser), by family name. Note: it flattens the series of a labelled histogram into one, so
 * per-series histogram counts must be read from the exposition lines or over OTLP.
 */
export function parsePrometheusText(text: string): Map<string, PrometheusFamily> {
  return new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
}
