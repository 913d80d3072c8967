import { mkdtemp, readFile, rm, stat, chmod, writeFile, readdir } from 'node:fs/promises';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SigningKeyError } from './errors.js';
import { loadOrCreateSigningKey } from './signing-key.js';

describe('loadOrCreateSigningKey', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gh-key-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('creates an Ed25519 PKCS#8 key with mode 0600 (and its directories) on first use, then reuses it', async () => {
    const path = join(directory, 'nested', 'deeper', 'gateway.key');
    const first = await loadOrCreateSigningKey(path);
    expect(first.created).toBe(true);
    expect(first.insecurePermissions).toBe(false);
    expect(first.privateKey.asymmetricKeyType).toBe('ed25519');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const pem = await readFile(path, 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);

    const second = await loadOrCreateSigningKey(path);
    expect(second.created).toBe(false);
    expect(second.keyId).toBe(first.keyId);
    expect(await readFile(path, 'utf8')).toBe(pem);
    // No temporary files left behind.
    expect(await readdir(join(directory, 'nested', 'deeper'))).toEqual(['gateway.key']);
  });

  it('agrees on one key when two loaders race on a missing file', async () => {
    const path = join(directory, 'race.key');
    const [a, b] = await Promise.all([loadOrCreateSigningKey(path), loadOrCreateSigningKey(path)]);
    expect(a.keyId).toBe(b.keyId);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
  });

  it('flags a key file readable by group or others', async () => {
    const path = join(directory, 'open.key');
    await loadOrCreateSigningKey(path);
    await chmod(path, 0o644);
    expect((await loadOrCreateSigningKey(path)).insecurePermissions).toBe(true);
  });

  it('refuses a file that is not a PEM key, or not Ed25519, without echoing its content', async () => {
    const garbage = join(directory, 'garbage.key');
    await writeFile(garbage, 'not-a-key-SECRETISH', { mode: 0o600 });
    const error = await loadOrCreateSigningKey(garbage).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SigningKeyError);
    expect((error as Error).message).not.toContain('SECRETISH');

    const rsa = join(directory, 'rsa.key');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(rsa, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    await expect(loadOrCreateSigningKey(rsa)).rejects.toThrow(/expected ed25519/);
  });

  it('refuses a directory in place of the key file', async () => {
    await expect(loadOrCreateSigningKey(directory)).rejects.toBeInstanceOf(SigningKeyError);
  });
});
