// What telemetry costs per statement, without a database or pgbench in the way:
//   node --conditions=@gatehouse/source --import tsx packages/telemetry/src/testing/hooks-cost-main.ts [statements] [mode] [per-second] [thread]
// mode: full (default) | statement (telemetry.traces.detail) | metrics | off; per-second: the pace
// (default 20000, about what one gateway process relays under pgbench -S); thread: where the SDK's
// spans are encoded (auto | worker | main, telemetry.traces.exportThread; statement spans are lean
// records encoded on the main thread whatever it says, as with otlp-proto in the gateway). Add
// --cpu-prof to node for a profile.
// The hooks are driven the way the PostgreSQL adapter drives them under pgbench -S (4 sessions,
// decided → gate settled → completed, real classifier outcomes), paced so the batch span processor
// keeps up (a queue that overflows drops spans and would make telemetry look cheaper than it is);
// spans and metrics are exported over OTLP/HTTP protobuf to a receiver in another process, which
// counts what arrives. The figure is this process's CPU µs per statement minus the same loop with
// telemetry off (the classifier's share).
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Decision, Principal, Target } from '@gatehouse/core';
import type { HookSession, SessionHooks, StatementOutcome } from '@gatehouse/proxy';
import { createSqlClassifier } from '@gatehouse/sql';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { createTelemetry } from '../create-telemetry.js';
import type { TelemetryConfig } from '../telemetry-config.js';

const [statementsArg = '200000', mode = 'full', rateArg = '20000', thread = 'auto'] = process.argv.slice(2);
const STATEMENTS = Number(statementsArg);
/** Statements per second at most: a gateway's real pace, so the export worker is not asked for more than it would be. */
const RATE = Number(rateArg);
const SESSIONS = 4;
/** Statements per macrotask: the exporter's timers and sockets run between chunks, as between pgbench round trips. */
const CHUNK = 64;

const PRINCIPAL: Principal = { id: 'orders-service', groups: ['app'], kind: 'service', via: 'gateway-token' };
const TARGET: Target = { connection: 'orders', environment: 'prod', dialect: 'postgres', database: 'bench' };
const DECISION: Decision = { effect: 'allow', rules: ['app-reads'], reason: 'allowed by app-reads', risk: { score: 1, factors: [] }, obligations: { audit: 'standard' }, observed: [] };

let dropped = 0;
diag.setLogger(
  {
    error: (message) => void (dropped += message.includes('ropped') ? 1 : 0),
    warn: (message) => void (dropped += message.includes('ropped') ? 1 : 0),
    info: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
  },
  DiagLogLevel.WARN,
);

const sink = await startSink();
const config: TelemetryConfig =
  mode === 'off'
    ? {}
    : {
        serviceName: 'gatehouse-bench',
        ...(mode === 'metrics' ? {} : { traces: { exporter: 'otlp-proto', endpoint: sink.url, sampleRatio: 1, detail: mode === 'full' ? ('full' as const) : ('statement' as const), exportThread: thread as 'auto' | 'worker' | 'main' } }),
        metrics: { exporter: 'otlp-proto', endpoint: sink.url, intervalMs: 5_000 },
      };
const telemetry = await createTelemetry(config, {});
const hooks: SessionHooks = telemetry.hooks ?? {};
const classifier = await createSqlClassifier();

const sessions: HookSession[] = Array.from({ length: SESSIONS }, (_, i) => ({ sessionId: `s-${i}`, principal: PRINCIPAL, target: TARGET, clientAddress: '127.0.0.1' }));
for (const session of sessions) {
  const attempt = { sessionId: session.sessionId, connection: TARGET.connection, environment: TARGET.environment, dialect: TARGET.dialect, clientAddress: '127.0.0.1' };
  hooks.authenticated?.(attempt, { ok: true, startedAt: new Date(), durationMs: 0.2, principal: PRINCIPAL });
  hooks.upstreamConnected?.(attempt, { ok: true, startedAt: new Date(), durationMs: 1, serverAddress: '127.0.0.1', serverPort: 5432 });
  hooks.sessionStarted?.({ ...session, tls: false, startedAt: new Date() });
}

function statement(i: number): void {
  const session = sessions[i % SESSIONS]!;
  const text = `SELECT abalance FROM pgbench_accounts WHERE aid = ${(i * 7919) % 1_000_000};`;
  const outcome: StatementOutcome = { actions: classifier.classify(text, { dialect: 'postgres', database: 'bench' }), decision: DECISION };
  hooks.statementDecided?.(session, outcome);
  hooks.gateSettled?.(session, outcome, { proceed: true });
  hooks.statementCompleted?.(session, { outcome, result: 'ok', rows: 1, durationMs: 0.05, maskedValues: 0 });
}

for (let i = 0; i < 5_000; i++) statement(i); // warm-up (JIT, caches)
await telemetry.forceFlush();
const before = process.cpuUsage();
const mainBefore = mainThreadCpuUs();
const startedAt = performance.now();
for (let done = 0; done < STATEMENTS; done += CHUNK) {
  for (let i = done; i < Math.min(done + CHUNK, STATEMENTS); i++) statement(i);
  const ahead = startedAt + ((done + CHUNK) * 1000) / RATE - performance.now();
  await new Promise((resolve) => (ahead >= 1 ? setTimeout(resolve, ahead) : setImmediate(resolve)));
}
await telemetry.forceFlush();
const used = process.cpuUsage(before);
const mainUs = mainThreadCpuUs() - mainBefore;
const wallMs = performance.now() - startedAt;
for (const session of sessions) hooks.sessionEnded?.(session, new Date());
await telemetry.shutdown();
const counts = await sink.counts();
await sink.stop();

const cpuUs = (used.user + used.system) / STATEMENTS;
console.log(
  `mode=${mode} thread=${thread} statements=${STATEMENTS} cpu=${cpuUs.toFixed(2)} µs/statement (user ${(used.user / STATEMENTS).toFixed(2)} + sys ${(used.system / STATEMENTS).toFixed(2)}; ` +
    `main thread ${(mainUs / STATEMENTS).toFixed(2)}, other threads ${(cpuUs - mainUs / STATEMENTS).toFixed(2)}) ` +
    `wall=${((wallMs * 1000) / STATEMENTS).toFixed(2)} µs/statement dropped-warnings=${dropped} ` +
    `exported: ${Object.entries(counts.requests)
      .map(([signal, requests]) => `${signal} ${requests} req ${((counts.bytes[signal] ?? 0) / 1024).toFixed(0)} KiB (${((counts.bytes[signal] ?? 0) / STATEMENTS).toFixed(0)} B/statement)`)
      .join(', ')}`,
);

/** CPU of the main thread alone (Linux, 10 ms ticks): the statement path's thread, which sets TPS. */
function mainThreadCpuUs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** An OTLP/HTTP receiver in a child process (receiving must not cost this process): counts requests and bytes. */
async function startSink(): Promise<{ url: string; counts(): Promise<{ requests: Record<string, number>; bytes: Record<string, number> }>; stop(): Promise<void> }> {
  const source = `
    const { createServer } = require('node:http');
    const requests = {}, bytes = {};
    const server = createServer((request, response) => {
      const signal = request.url.split('?')[0];
      requests[signal] = (requests[signal] ?? 0) + 1;
      request.on('data', (chunk) => (bytes[signal] = (bytes[signal] ?? 0) + chunk.length));
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
    });
    server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
    process.on('message', () => process.send({ requests, bytes }));
    process.on('disconnect', () => process.exit(0));`;
  const child = fork('-e', [source], { execPath: process.execPath, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the OTLP sink exited (${code}) before it listened`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () =>
      new Promise((resolve) => {
        child.once('message', (message) => resolve(message as { requests: Record<string, number>; bytes: Record<string, number> }));
        child.send('counts');
      }),
    async stop() {
      child.kill();
      await exited;
    },
  };
}
