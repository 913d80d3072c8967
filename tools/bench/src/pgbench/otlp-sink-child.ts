// The OTLP sink's process (see otlp-sink.ts): counts what the gateway exports, decodes nothing.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const requests: Record<string, number> = {};
const bytes: Record<string, number> = {};
const server = createServer((request, response) => {
  const signal = (request.url ?? '/').split('?')[0]!;
  requests[signal] = (requests[signal] ?? 0) + 1;
  request.on('data', (chunk: Buffer) => (bytes[signal] = (bytes[signal] ?? 0) + chunk.length));
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
process.on('message', () => process.send!({ requests, bytes }));
process.on('disconnect', () => process.exit(0));
