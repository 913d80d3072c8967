import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuProfile } from '../pgbench/cpu-profile.js';
import { median, shuffled } from '../stats.js';
import { startTcpRelay } from '../tcp-relay.js';
import { startCannedUpstream } from './canned-upstream.js';
import { startMongoBenchGateway } from './mongo-gateway.js';
import { findByIdRequests, openWireClient } from './wire-client.js';
import type { WireClient } from './wire-client.js';

export interface GatewayCostOptions {
  readonly seconds?: number;
  readonly rounds?: number;
  readonly concurrency?: number;
  /** After the rounds, run Gatehouse once more under the V8 profiler and save the .cpuprofile. */
  readonly profile?: boolean;
}

const DOCUMENTS = 1_000;

/**
 * The gateway's CPU per find-by-_id without a server or a driver in the figure: hand-written wire
 * clients and a canned upstream (startCannedUpstream) share this process with the relay and the
 * gateway, so this process's CPU per operation through each target differs only by what the target
 * does. Far steadier than ops/s or a real server on a loaded machine; an A/B tool for the gateway's
 * own code, not a budget figure (that is main.ts against a real server).
 */
export async function runGatewayCost(options: GatewayCostOptions = {}): Promise<string> {
  const seconds = options.seconds ?? 3;
  const rounds = options.rounds ?? 3;
  const concurrency = options.concurrency ?? 8;
  const upstream = await startCannedUpstream();
  const relay = await startTcpRelay(upstream);
  const gateway = await startMongoBenchGateway({ host: upstream.host, port: upstream.port, user: undefined, password: undefined, authSource: undefined });
  const clients = new Map<string, WireClient[]>();
  const cpu = new Map<string, number[]>();
  const user = new Map<string, number[]>();
  let profileFile: string | undefined;
  try {
    const open = (port: number, login?: { user: string; token: string }) => Promise.all(Array.from({ length: concurrency }, () => openWireClient(port, login)));
    clients.set('relay', await open(relay.port));
    clients.set('gatehouse', await open(gateway.port, { user: gateway.user, token: gateway.token }));
    const requests = Array.from({ length: concurrency }, (_, session) => findByIdRequests(DOCUMENTS, session + 1));
    for (let round = 0; round < rounds; round++) {
      for (const target of shuffled([...clients.keys()])) {
        const connections = clients.get(target)!;
        await loop(connections, requests, 0.5);
        const before = process.cpuUsage();
        const done = await loop(connections, requests, seconds);
        const used = process.cpuUsage(before);
        cpu.set(target, [...(cpu.get(target) ?? []), (used.user + used.system) / done]);
        user.set(target, [...(user.get(target) ?? []), used.user / done]);
      }
    }
    if (options.profile) {
      const profile = await cpuProfile(() => loop(clients.get('gatehouse')!, requests, seconds));
      profileFile = join(tmpdir(), `gatehouse-mongo-cost-${Date.now()}.cpuprofile`);
      writeFileSync(profileFile, JSON.stringify(profile));
    }
  } finally {
    for (const connections of clients.values()) for (const client of connections) client.close();
    await gateway.stop();
    await relay.stop();
    await upstream.stop();
  }
  // Interference from other processes only ever adds CPU time: the lowest round is the steadiest figure.
  const lowest = (values: readonly number[]): number => Math.min(...values);
  const relayCpu = lowest(cpu.get('relay')!);
  const gatehouseCpu = lowest(cpu.get('gatehouse')!);
  return [
    `find-by-_id through a canned upstream, ${concurrency} connections, ${rounds} rounds × ${seconds} s: this process's CPU per operation (clients, upstream and target together)`,
    '',
    '| target | CPU µs/op (lowest) | median | user (lowest) | per round |',
    '| --- | ---: | ---: | ---: | --- |',
    ...[...cpu].map(
      ([target, values]) =>
        `| ${target} | ${lowest(values).toFixed(1)} | ${median(values).toFixed(1)} | ${lowest(user.get(target)!).toFixed(1)} | ${values.map((value) => value.toFixed(1)).join(', ')} |`,
    ),
    '',
    `Gatehouse beyond the relay (lowest rounds): ${(gatehouseCpu - relayCpu).toFixed(1)} µs CPU, ${(lowest(user.get('gatehouse')!) - lowest(user.get('relay')!)).toFixed(1)} µs of it user, per find-by-_id`,
    ...(profileFile ? ['', `Profile of Gatehouse: ${profileFile}`] : []),
  ].join('\n');
}

/** Each connection sends find-by-_id after find-by-_id for `seconds`; returns operations done. */
async function loop(connections: readonly WireClient[], requests: readonly Buffer[][], seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1_000;
  let done = 0;
  await Promise.all(
    connections.map(async (client, index) => {
      const mine = requests[index]!;
      for (let i = 0; performance.now() < deadline; i++) {
        await client.roundTrip(mine[(i * 7919) % mine.length]!);
        done++;
      }
    }),
  );
  return done;
}
