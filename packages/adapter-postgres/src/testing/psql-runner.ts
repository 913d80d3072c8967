import { spawn } from 'node:child_process';

export interface PsqlRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real `psql` once against the gateway (one session, verify-full TLS): `-c` per command,
 * or a script on stdin when `commands` is empty. Unaligned, tuples-only unless `args` says otherwise.
 */
export async function runPsql(options: {
  port: number;
  rootCert: string;
  user: string;
  token: string;
  commands: readonly string[];
  stdin?: string;
  args?: readonly string[];
}): Promise<PsqlRun> {
  const conninfo = `host=localhost port=${options.port} dbname=app user=${options.user} sslmode=verify-full sslrootcert=${options.rootCert}`;
  const args = [conninfo, '-X', ...(options.args ?? ['-A', '-t']), '-v', 'ON_ERROR_STOP=0', ...options.commands.flatMap((command) => ['-c', command])];
  const child = spawn('psql', args, {
    // A UTF-8 locale makes libpq ask for client_encoding UTF8, as on a developer's machine.
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PGPASSWORD: options.token, LANG: 'C.UTF-8', PGCONNECT_TIMEOUT: '10' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.end(options.stdin ?? '');
  const code = await new Promise<number | null>((resolve, reject) => {
    // Generous: the machine may be loaded.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`psql did not finish within 60 s; stderr: ${stderr}`));
    }, 60_000);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  return { code, stdout, stderr };
}
