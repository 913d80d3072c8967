import { accessSync, constants } from 'node:fs';
import { GatehouseError } from '@gatehouse/core';
import { runCommand } from './run-command.js';

export class MissingPackagesError extends GatehouseError {
  constructor(packages: readonly string[]) {
    super(
      'testkit.missing-packages',
      `these Debian packages are needed and not installed: ${packages.join(' ')}. ` +
        `Install them (apt-get install -y ${packages.join(' ')}) or run the tests as root so they install themselves.`,
    );
  }
}

const APT_LOCK = '/tmp/gatehouse-apt.lock';
let aptUpdated: Promise<unknown> | undefined;
let installing: Promise<unknown> = Promise.resolve();

/** True when `path` exists and is executable. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure the packages are installed: when `present()` says they are missing, installs them with
 * apt-get as root (one apt-get at a time in this process), or throws a message naming them.
 */
export async function ensureDebianPackages(packages: readonly string[], present: () => boolean): Promise<void> {
  if (present()) return;
  if (process.getuid?.() !== 0) throw new MissingPackagesError(packages);
  const install = installing.then(async () => {
    if (present()) return;
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    // Test files run in parallel processes; flock makes their apt-get runs take turns on dpkg's lock.
    const apt = (args: string[]) => runCommand('flock', [APT_LOCK, 'apt-get', ...args], { env, timeoutMs: 900_000 });
    aptUpdated ??= apt(['update', '-qq']);
    await aptUpdated;
    if (present()) return;
    await apt(['install', '-y', '-qq', '--no-install-recommends', ...packages]);
  });
  installing = install.catch(() => undefined);
  await install;
  if (!present()) throw new MissingPackagesError(packages);
}
