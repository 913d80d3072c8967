import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { SigningKeyError } from './errors.js';

/** The gateway's Ed25519 signing key pair, as loaded from (or created at) its PEM file. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** RFC 7638 thumbprint of the public key, put in the token header so keys can rotate later. */
  readonly keyId: string;
  readonly path: string;
  /** True when this call created the file. */
  readonly created: boolean;
  /**
   * True when the file is readable or writable by group or others. The caller should warn: anyone
   * who can read this file can mint tokens for any identity.
   */
  readonly insecurePermissions: boolean;
}

const KEY_FILE_MODE = 0o600;
const KEY_DIR_MODE = 0o700;

/**
 * Loads the Ed25519 private key (PKCS#8 PEM) at `path`, creating it on first use. Creation writes a
 * temporary file and hard-links it into place, which fails if another process created the key
 * meanwhile; that key then wins, so two gateways starting together agree on one key.
 */
export async function loadOrCreateSigningKey(path: string): Promise<SigningKey> {
  const existing = await readKeyFile(path);
  if (existing !== undefined) return toSigningKey(path, existing, false);
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  await createExclusive(path, pem);
  const written = await readKeyFile(path);
  if (written === undefined) throw new SigningKeyError(`signing key ${path} vanished right after it was created`);
  return toSigningKey(path, written, written.pem === pem);
}

interface KeyFile {
  readonly pem: string;
  readonly mode: number;
}

async function readKeyFile(path: string): Promise<KeyFile | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new SigningKeyError(`signing key path ${path} is not a regular file`);
    return { pem: await readFile(path, 'utf8'), mode: info.mode };
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    if (error instanceof SigningKeyError) throw error;
    throw new SigningKeyError(`cannot read signing key ${path}: ${errnoText(error)}`, { cause: error });
  }
}

async function createExclusive(path: string, pem: string): Promise<void> {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(directory, { recursive: true, mode: KEY_DIR_MODE });
    await writeFile(temporary, pem, { mode: KEY_FILE_MODE, flag: 'wx' });
    await link(temporary, path);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw new SigningKeyError(`cannot create signing key ${path}: ${errnoText(error)}`, { cause: error });
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

async function toSigningKey(path: string, file: KeyFile, created: boolean): Promise<SigningKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: file.pem, format: 'pem' });
  } catch (error) {
    // The parse error text is generic; never echo the file content.
    throw new SigningKeyError(`signing key ${path} is not a PEM private key; remove it to have a new one created`, { cause: error });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(`signing key ${path} is ${privateKey.asymmetricKeyType ?? 'unknown'}, expected ed25519; remove it to have a new one created`);
  }
  const publicKey = createPublicKey(privateKey);
  const keyId = await calculateJwkThumbprint(await exportJWK(publicKey));
  const insecurePermissions = process.platform !== 'win32' && (file.mode & 0o077) !== 0;
  return { privateKey, publicKey, keyId, path, created, insecurePermissions };
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function errnoText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
