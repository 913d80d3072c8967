import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const KEY_FILE_MODE = 0o600;

/**
 * Reads the masking HMAC key at `path`, creating a random one on first use. The key must outlive
 * restarts: hash masks are only useful for joining and counting if the same value always hashes
 * the same. `wx` makes creation exclusive, so two gateways starting together agree on one key.
 */
export async function loadOrCreateHashKey(path: string): Promise<{ key: string; created: boolean }> {
  const existing = await readKey(path);
  if (existing !== undefined) return { key: existing, created: false };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('base64url');
  try {
    await writeFile(path, `${key}\n`, { mode: KEY_FILE_MODE, flag: 'wx' });
    return { key, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const raced = await readKey(path);
  if (raced === undefined) throw new Error(`masking key file ${path} vanished right after it was created`);
  return { key: raced, created: false };
}

async function readKey(path: string): Promise<string | undefined> {
  try {
    const key = (await readFile(path, 'utf8')).trim();
    if (key === '') throw new Error(`masking key file ${path} is empty; delete it to have a new key created`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
