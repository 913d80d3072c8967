import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuditConfigError } from '../errors.js';
import { checkCheckpoint, CheckpointSigner, keyringOf } from './checkpoint-signer.js';

describe('CheckpointSigner', () => {
  const key = generateKeyPairSync('ed25519').privateKey;
  const signer = new CheckpointSigner(key.export({ type: 'pkcs8', format: 'pem' }).toString());
  const checkpoint = signer.sign({ seq: 10, hash: 'a'.repeat(64), at: '2026-01-01T00:00:00.000Z', reason: 'interval' });

  it('signs claims that verify with the public key', () => {
    expect(checkCheckpoint(checkpoint, keyringOf([signer.publicKey]))).toBe('ok');
  });

  it('rejects an altered claim, a foreign key and a non-Ed25519 key', () => {
    const ring = keyringOf([key]);
    expect(checkCheckpoint({ ...checkpoint, seq: 11 }, ring)).toBe('bad-signature');
    expect(checkCheckpoint({ ...checkpoint, hash: 'b'.repeat(64) }, ring)).toBe('bad-signature');
    expect(checkCheckpoint(checkpoint, keyringOf([generateKeyPairSync('ed25519').publicKey]))).toBe('unknown-key');
    expect(() => new CheckpointSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)).toThrow(AuditConfigError);
  });
});
