// The gateway app as a library: the CLI entry, and the composition root for embedding it (benchmarks,
// tests, other hosts).
export { main } from './main.js';
export { startGateway } from './runtime/start-gateway.js';
export type { RunningGateway } from './runtime/start-gateway.js';
export { loadGatewayConfig } from './config/load-gateway-config.js';
export type { GatewayConfig, ConnectionConfig, UpstreamConfig, IdentityConfig, MaskingConfig } from './config/gateway-config.js';
