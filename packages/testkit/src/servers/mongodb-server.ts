import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { GatehouseError } from '@gatehouse/core';
import { freePort } from '../system/free-port.js';

/** The npm package shipping a MongoDB-compatible server binary (no authentication, in memory). */
const JONGODB_PACKAGE = '@jongodb/memory-server-bin-linux-x64-gnu';
/** The launcher prints this line on stdout once it accepts connections. */
const READY_PREFIX = 'JONGODB_URI=';
const FAILURE_PREFIX = 'JONGODB_START_FAILURE=';

export interface MongoServerOptions {
  /** Startup timeout, default 20 s. */
  readonly timeoutMs?: number;
}

/** A MongoDB-compatible server for tests: a throwaway jongodb, or the real server in MONGODB_URL. */
export interface MongoServer {
  readonly host: string;
  readonly port: number;
  /** Credentials for the gateway's own login, when the server needs them (from MONGODB_URL). */
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly authSource: string | undefined;
  /** TLS towards the server (from MONGODB_URL `tls=true`). */
  readonly tls: boolean;
  /** A driver connection string straight to the server (bypassing the gateway). */
  readonly url: string;
  /** 'jongodb' or 'external'. */
  readonly kind: 'jongodb' | 'external';
  stop(): Promise<void>;
}

export class MongoServerError extends GatehouseError {
  constructor(message: string) {
    super('testkit.mongodb-server', message);
  }
}

/** Path of the jongodb binary from its npm package. */
export function jongodbBinary(): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve(`${JONGODB_PACKAGE}/package.json`);
  } catch {
    throw new MongoServerError(`npm package ${JONGODB_PACKAGE} is not installed (it is a devDependency of the MongoDB adapter)`);
  }
  const { jongodb } = require(manifest) as { jongodb?: { binary?: string } };
  return join(dirname(manifest), jongodb?.binary ?? 'bin/jongodb');
}

function fromUrl(url: string): MongoServer {
  const parsed = new URL(url);
  const tls = ['true', '1'].includes(parsed.searchParams.get('tls') ?? parsed.searchParams.get('ssl') ?? '');
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 27017),
    user: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    authSource: parsed.searchParams.get('authSource') ?? undefined,
    tls,
    url,
    kind: 'external',
    stop: async () => undefined,
  };
}

/**
 * Starts a throwaway MongoDB-compatible server (jongodb: starts in milliseconds, no auth) on a free
 * port, or returns the real server given by `MONGODB_URL` so the same suites run against MongoDB.
 */
export async function startMongo(options: MongoServerOptions = {}): Promise<MongoServer> {
  const external = process.env['MONGODB_URL'];
  if (external) return fromUrl(external);
  const port = await freePort();
  const child = spawn(jongodbBinary(), [`--host=127.0.0.1`, `--port=${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitUntilReady(child, options.timeoutMs ?? 20_000);
  return {
    host: '127.0.0.1',
    port,
    user: undefined,
    password: undefined,
    authSource: undefined,
    tls: false,
    url: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    kind: 'jongodb',
    stop: () => stopProcess(child),
  };
}

function waitUntilReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const log: string[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new MongoServerError(`jongodb did not start within ${timeoutMs} ms: ${log.slice(-5).join(' | ')}`));
    }, timeoutMs);
    const onLine = (line: string): void => {
      log.push(line);
      if (line.startsWith(READY_PREFIX)) {
        clearTimeout(timer);
        resolve();
      } else if (line.startsWith(FAILURE_PREFIX)) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new MongoServerError(`jongodb failed to start: ${line.slice(FAILURE_PREFIX.length)}`));
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new MongoServerError(`jongodb exited with code ${code}: ${log.slice(-5).join(' | ')}`));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
