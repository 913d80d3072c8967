import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';

/** Answers a scrape: the current metrics in Prometheus text format. Mount it at GET /metrics. */
export type MetricsHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** The exporter's handler, limited to GET/HEAD (a scrape never changes anything). */
export function metricsHandlerOf(exporter: PrometheusExporter): MetricsHandler {
  return (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    exporter.getMetricsRequestHandler(request, response);
  };
}

export interface PrometheusListener {
  readonly address: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

/**
 * A listener of its own that serves only `/metrics` (for when the admin listener is not there, or
 * metrics must be reachable on another interface). Port 0 picks a free port; `address` says which.
 */
export async function startPrometheusListener(handler: MetricsHandler, listen: { readonly host: string; readonly port: number }): Promise<PrometheusListener> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: metrics are at /metrics\n');
      return;
    }
    handler(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: { host: listen.host, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
