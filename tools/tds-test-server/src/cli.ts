#!/usr/bin/env node
// Starts the TDS test server (a SQL Server stand-in) and prints `TDS_TEST_SERVER=host:port` once it
// listens. Options: --port N, --user name:password (repeatable), --tls-key FILE --tls-cert FILE,
// --encryption off|on|required, --route host:port (answer logins with ENVCHANGE routing),
// --events on (print every event as `TDS_EVENT=<json>`, for tests that run the server in a child).
import { readFileSync } from 'node:fs';
import { startTdsTestServer } from './server.js';
import type { ServerEvent } from './server-state.js';

function options(argv: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) continue;
    const value = argv[i + 1] ?? '';
    out.set(arg.slice(2), [...(out.get(arg.slice(2)) ?? []), value]);
    i++;
  }
  return out;
}

const args = options(process.argv.slice(2));
const users = Object.fromEntries((args.get('user') ?? ['sa:Passw0rd!']).map((u) => [u.slice(0, u.indexOf(':')), u.slice(u.indexOf(':') + 1)]));
const key = args.get('tls-key')?.[0];
const cert = args.get('tls-cert')?.[0];
const encryption = (args.get('encryption')?.[0] ?? 'off') as 'off' | 'on' | 'required';
const route = args.get('route')?.[0];
const printEvents = args.get('events')?.[0] === 'on';
const server = await startTdsTestServer({
  users,
  port: Number(args.get('port')?.[0] ?? 0),
  host: args.get('host')?.[0] ?? '127.0.0.1',
  ...(key && cert ? { tls: { key: readFileSync(key), cert: readFileSync(cert), encryption } } : {}),
  ...(printEvents ? { onEvent: (event: ServerEvent) => void process.stdout.write(`TDS_EVENT=${JSON.stringify(event)}\n`) } : {}),
  ...(route ? { route: { server: route.slice(0, route.lastIndexOf(':')), port: Number(route.slice(route.lastIndexOf(':') + 1)) } } : {}),
});
process.stdout.write(`TDS_TEST_SERVER=${server.host}:${server.port}\n`);
const stop = (): void => {
  void server.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
