import { constants, createHash, publicEncrypt } from 'node:crypto';
import { UpstreamAuthError, UpstreamAuthErrorCode } from '../errors.js';

export const MYSQL_NATIVE_PASSWORD = 'mysql_native_password';
export const CACHING_SHA2_PASSWORD = 'caching_sha2_password';
export const MYSQL_CLEAR_PASSWORD = 'mysql_clear_password';
export const SHA256_PASSWORD = 'sha256_password';

function sha1(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i % b.length]!;
  return out;
}

/** mysql_native_password: SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))); empty for no password. */
export function nativePasswordResponse(password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const stage1 = sha1(Buffer.from(password, 'utf8'));
  return xor(stage1, sha1(scramble.subarray(0, 20), sha1(stage1)));
}

/** caching_sha2_password fast path: SHA256(password) XOR SHA256(SHA256(SHA256(password)) + scramble). */
export function cachingSha2Response(password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const stage1 = sha256(Buffer.from(password, 'utf8'));
  return xor(stage1, sha256(sha256(stage1), scramble.subarray(0, 20)));
}

/** The password as cleartext plugins send it: UTF-8 and a NUL. Only ever inside TLS. */
export function cleartextResponse(password: string): Buffer {
  return Buffer.concat([Buffer.from(password, 'utf8'), Buffer.from([0])]);
}

/**
 * Full authentication without TLS: (password + NUL) XOR scramble, encrypted with the server's RSA
 * public key (OAEP padding, as caching_sha2_password and sha256_password use since MySQL 8.0.5).
 */
export function rsaEncryptedPassword(password: string, scramble: Buffer, publicKeyPem: string): Buffer {
  const plain = xor(cleartextResponse(password), scramble.subarray(0, 20));
  try {
    return publicEncrypt({ key: publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING }, plain);
  } catch (error) {
    throw new UpstreamAuthError(UpstreamAuthErrorCode.BadPublicKey, `the upstream's RSA public key cannot be used: ${(error as Error).message}`, { cause: error });
  }
}

/** Undoes `rsaEncryptedPassword` on the gateway's side (clients that do RSA full auth to the gateway). */
export function xorScramble(plain: Buffer, scramble: Buffer): Buffer {
  return xor(plain, scramble.subarray(0, 20));
}
