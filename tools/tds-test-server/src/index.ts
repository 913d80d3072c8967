export { startTdsTestServer } from './server.js';
export type { TdsTestServer, TdsTestServerOptions } from './server.js';
export type { ServerEvent, TlsSettings } from './server-state.js';
export { translateStatement } from './engine/translate.js';
export { splitBatch } from './engine/split.js';
