import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createTestCertificates, ensureDebianPackages, isExecutable } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTdsTestServer } from './server.js';
import type { TdsTestServer } from './server.js';

const TSQL = '/usr/bin/tsql';
let plain: TdsTestServer;
let loginOnly: TdsTestServer;

/** Runs tsql (FreeTDS) with a script on stdin; resolves with stdout+stderr. */
function tsql(server: TdsTestServer, script: string, extraEnv: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSQL, ['-H', server.host, '-p', String(server.port), '-U', 'sa', '-P', 'Passw0rd!'], {
      env: { ...process.env, TDSVER: '7.4', ...extraEnv },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tsql timed out: ${out}`));
    }, 20_000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
    child.stdin.end(script);
  });
}

beforeAll(async () => {
  await ensureDebianPackages(['freetds-bin'], () => isExecutable(TSQL));
  const files = await createTestCertificates(mkdtempSync(join(tmpdir(), 'tds-tsql-')));
  plain = await startTdsTestServer({ users: { sa: 'Passw0rd!' } });
  loginOnly = await startTdsTestServer({
    users: { sa: 'Passw0rd!' },
    tls: { key: readFileSync(files.serverKey, 'utf8'), cert: readFileSync(files.serverCert, 'utf8'), encryption: 'off' },
  });
}, 600_000);

afterAll(async () => {
  await Promise.all([plain?.stop(), loginOnly?.stop()]);
});

describe('tsql (FreeTDS) against the TDS test server (a SQL Server stand-in)', () => {
  it('runs a simple query without encryption', async () => {
    const out = await tsql(plain, "SELECT 40 + 2 AS answer, N'héllo' AS greeting\ngo\nexit\n");
    expect(out).toMatch(/answer\s+greeting/);
    expect(out).toMatch(/42\s+héllo/);
    expect(out).toMatch(/\(1 row affected\)/);
  });

  it('logs in with login-only encryption (ENCRYPT_OFF: LOGIN7 inside TLS, the rest in clear)', async () => {
    const out = await tsql(loginOnly, 'SELECT @@SPID AS spid\ngo\nexit\n');
    expect(out).toMatch(/spid/);
    expect(out).toMatch(/\(1 row affected\)/);
    expect(loginOnly.events.find((e) => e.event === 'login')).toMatchObject({ ok: true, encrypted: 'login-only' });
  });

  it('with encryption required by the client (FreeTDS "require") everything is encrypted', async () => {
    const conf = join(mkdtempSync(join(tmpdir(), 'freetds-')), 'freetds.conf');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(conf, '[global]\n\tencryption = require\n\ttds version = 7.4\n');
    const out = await tsql(loginOnly, 'SELECT 7 AS seven\ngo\nexit\n', { FREETDSCONF: conf });
    expect(out).toMatch(/\(1 row affected\)/);
    expect(loginOnly.events.filter((e) => e.event === 'login').at(-1)).toMatchObject({ ok: true, encrypted: 'full' });
  });
});
