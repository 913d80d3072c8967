import { median, shuffled } from '../stats.js';
import { ownCpu, processCpu } from '../pgbench/process-cpu.js';
import type { CpuTime } from '../pgbench/process-cpu.js';
import { startTcpRelay } from '../tcp-relay.js';
import { startTediousLoad } from './load-driver.js';
import type { TediousLoad } from './load-driver.js';
import { startMssqlBenchGateway } from './mssql-gateway.js';
import { startBenchMssqlServer } from './tds-stand-in.js';
import type { TediousTarget } from './tedious-client.js';

export interface MssqlBenchOptions {
  /** Seconds per plaintext measurement. Default 5. */
  readonly seconds?: number;
  /** Seconds per TLS measurement (no budget). Default half of `seconds`, at least 2. */
  readonly tlsSeconds?: number;
  /** Interleaved rounds; each round runs every target once, in shuffled order. Default 3. */
  readonly rounds?: number;
  /** Connections, each running point selects back to back. Default 8. */
  readonly concurrency?: number;
  /** Rows the point selects pick from. Default 1,000. */
  readonly rows?: number;
  /** Measure the TLS-on-every-hop variant too. Default true. */
  readonly tls?: boolean;
  readonly progress?: (line: string) => void;
}

type TargetName = 'direct' | 'relay' | 'gatehouse';
const TARGETS: readonly TargetName[] = ['direct', 'relay', 'gatehouse'];
const INITIAL_WARM_UP_SECONDS = 3;

interface Measured {
  readonly rate: number;
  /** CPU of this process (the relay or the gateway; idle otherwise) per select, µs. */
  readonly cpuPerSelect: CpuTime;
  /** The tedious load process's CPU per select, µs (user + sys). */
  readonly clientUs: number;
  /** The server's CPU per select, µs (user + sys); NaN for MSSQL_URL. */
  readonly serverUs: number;
}

const total = (cpu: CpuTime): number => cpu.userUs + cpu.systemUs;

/** One table: the three targets in interleaved rounds; returns each target's measurements. */
async function measureVariant(
  load: TediousLoad,
  serverPid: number | undefined,
  variant: 'plain' | 'tls',
  seconds: number,
  rounds: number,
  rows: number,
  progress: (line: string) => void,
): Promise<Map<TargetName, Measured[]>> {
  const results = new Map<TargetName, Measured[]>(TARGETS.map((target) => [target, []]));
  // Once per target before the rounds: the gateway's code paths and caches are cold at first (JIT,
  // classification of the statement), which a 1 s warm-up at a few hundred selects/s does not cover.
  for (const target of TARGETS) await load.measure(`${variant}-${target}`, INITIAL_WARM_UP_SECONDS, rows);
  for (let round = 0; round < rounds; round++) {
    for (const target of shuffled(TARGETS)) {
      const pool = `${variant}-${target}`;
      await load.measure(pool, Math.min(1, seconds), rows); // warm-up
      const before = { own: ownCpu(), client: processCpu(load.pid), server: serverPid ? processCpu(serverPid) : undefined };
      const { selects, elapsedMs } = await load.measure(pool, seconds, rows);
      const after = { own: ownCpu(), client: processCpu(load.pid), server: serverPid ? processCpu(serverPid) : undefined };
      const rate = selects / (elapsedMs / 1_000);
      results.get(target)!.push({
        rate,
        cpuPerSelect: { userUs: (after.own.userUs - before.own.userUs) / selects, systemUs: (after.own.systemUs - before.own.systemUs) / selects },
        clientUs: (total(after.client) - total(before.client)) / selects,
        serverUs: before.server && after.server ? (total(after.server) - total(before.server)) / selects : Number.NaN,
      });
      progress(`mssql ${variant} round ${round + 1}/${rounds} ${target}: ${Math.round(rate)} selects/s`);
    }
  }
  return results;
}

function table(results: Map<TargetName, Measured[]>): { lines: string[]; ratio: number } {
  const rate = (target: TargetName): number => median(results.get(target)!.map((m) => m.rate));
  const relay = rate('relay');
  const lines = [
    '| target | median selects/s | × relay | proxy CPU µs/select (user + sys) | client / server CPU µs/select | selects/s per round |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const target of TARGETS) {
    const measured = results.get(target)!;
    const user = median(measured.map((m) => m.cpuPerSelect.userUs));
    const system = median(measured.map((m) => m.cpuPerSelect.systemUs));
    const cpu = target === 'direct' ? '—' : `${(user + system).toFixed(1)} (${user.toFixed(1)} + ${system.toFixed(1)})`;
    const others = `${median(measured.map((m) => m.clientUs)).toFixed(0)} / ${median(measured.map((m) => m.serverUs)).toFixed(0)}`;
    lines.push(`| ${target} | ${Math.round(rate(target))} | ${(rate(target) / relay).toFixed(2)} | ${cpu} | ${others} | ${measured.map((m) => Math.round(m.rate)).join(', ')} |`);
  }
  return { lines, ratio: rate('gatehouse') / relay };
}

/**
 * tedious point selects (sp_executesql, one int parameter) straight to the server, through a bare
 * Node TCP relay and through Gatehouse (decided per statement, identity by token), in interleaved
 * rounds within one run. Three processes, as pgbench's bench: the server (the stand-in), the tedious
 * clients (their own process), and this one, which runs only the relay and the gateway, so their CPU
 * per select is this process's. The budget's table is plaintext on every hop (as pgbench's, sslmode
 * disable); TLS on every hop is a second table with no budget (the relay copies ciphertext, the
 * gateway terminates two TLS sessions). Returns markdown.
 */
export async function runMssqlBench(options: MssqlBenchOptions = {}): Promise<string> {
  const seconds = options.seconds ?? 5;
  const tlsSeconds = options.tlsSeconds ?? Math.max(2, Math.round(seconds / 2));
  const rounds = options.rounds ?? 3;
  const concurrency = options.concurrency ?? 8;
  const rows = options.rows ?? 1_000;
  const withTls = options.tls ?? true;
  const progress = options.progress ?? ((line: string) => console.error(`[bench] ${line}`));
  const server = await startBenchMssqlServer();
  const relay = await startTcpRelay({ host: server.host, port: server.port });
  const gateways = { plain: await startMssqlBenchGateway(server, false), tls: withTls ? await startMssqlBenchGateway(server, true) : undefined };
  const load = startTediousLoad();
  const report: string[] = [];
  try {
    const direct = { host: server.host, port: server.port, user: server.user, password: server.password, database: server.database };
    await load.seed({ ...direct, encrypt: false }, rows);
    const variants = withTls ? (['plain', 'tls'] as const) : (['plain'] as const);
    for (const variant of variants) {
      const encrypt = variant === 'tls';
      const gateway = gateways[variant]!;
      const targets: Record<TargetName, TediousTarget> = {
        direct: { ...direct, encrypt },
        relay: { ...direct, host: '127.0.0.1', port: relay.port, encrypt },
        gatehouse: { host: '127.0.0.1', port: gateway.port, user: gateway.user, password: gateway.token, encrypt },
      };
      for (const target of TARGETS) await load.open(`${variant}-${target}`, targets[target], concurrency);
    }
    const serverName = server.kind === 'tds-test-server' ? 'TDS stand-in over SQLite, not SQL Server' : 'MSSQL_URL';
    const plain = table(await measureVariant(load, server.pid, 'plain', seconds, rounds, rows, progress));
    report.push(
      `### SQL Server, plaintext on every hop (${serverName}; tedious \`encrypt: false\`, gateway upstream \`tls: disable\`)`,
      '',
      `tedious point selects (sp_executesql), ${concurrency} connections from a separate process, ${rounds} interleaved rounds × ${seconds} s, medians. Proxy CPU: the relay's or the gateway's process.`,
      '',
      ...plain.lines,
      '',
      `- Gatehouse ${plain.ratio.toFixed(2)} × relay (budget ≥ 0.9: ${plain.ratio >= 0.9 ? 'met' : 'MISSED'})`,
    );
    if (withTls) {
      const tls = table(await measureVariant(load, server.pid, 'tls', tlsSeconds, rounds, rows, progress));
      report.push(
        '',
        `### SQL Server, TLS on every hop (no budget; the relay copies ciphertext, the gateway terminates two TLS sessions)`,
        '',
        `tedious \`encrypt: true\`, gateway upstream verify-full; ${rounds} interleaved rounds × ${tlsSeconds} s, medians.`,
        '',
        ...tls.lines,
        '',
        `- Gatehouse ${tls.ratio.toFixed(2)} × relay with TLS on every hop.`,
      );
    }
  } finally {
    await load.stop();
    for (const gateway of Object.values(gateways)) await gateway?.stop();
    await relay.stop();
    await server.stop();
  }
  return report.join('\n');
}
