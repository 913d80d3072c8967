import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';
import { AuditConfigError } from '../errors.js';

export const CHECKPOINT_REASONS = ['interval', 'prune', 'manual'] as const;
/** interval = every N events / T seconds; prune = anchors the first event left after retention. */
export type CheckpointReason = (typeof CHECKPOINT_REASONS)[number];

/** What a checkpoint asserts: "the event with this seq had this hash", signed. */
export interface CheckpointClaim {
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
  readonly reason: CheckpointReason;
  readonly keyId: string;
}

export interface Checkpoint extends CheckpointClaim {
  /** Ed25519 over canonicalJson(claim), base64. */
  readonly signature: string;
}

/**
 * Signs checkpoints with an Ed25519 private key from config. Replicas sharing one trail may use
 * one key or one each; `keyId` (a hash of the public key) tells the verifier which to use.
 */
export class CheckpointSigner {
  readonly keyId: string;
  readonly publicKey: KeyObject;
  readonly #privateKey: KeyObject;

  constructor(privateKey: KeyObject | string) {
    const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
    if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
      throw new AuditConfigError('the audit checkpoint key must be an Ed25519 private key (PEM); create one with `openssl genpkey -algorithm ed25519`');
    }
    this.#privateKey = key;
    this.publicKey = createPublicKey(key);
    this.keyId = keyIdOf(this.publicKey);
  }

  sign(claim: Omit<CheckpointClaim, 'keyId'>): Checkpoint {
    const full: CheckpointClaim = { ...claim, keyId: this.keyId };
    const signature = sign(null, Buffer.from(canonicalJson(full)), this.#privateKey).toString('base64');
    return { ...full, signature };
  }
}

/** First 16 hex digits of SHA-256 over the SPKI DER of the public key. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** Public keys a verifier trusts, by keyId. */
export type CheckpointKeyring = ReadonlyMap<string, KeyObject>;

export function keyringOf(keys: readonly (KeyObject | string)[]): CheckpointKeyring {
  const ring = new Map<string, KeyObject>();
  for (const key of keys) {
    const object = typeof key === 'string' ? createPublicKey(key) : key.type === 'private' ? createPublicKey(key) : key;
    ring.set(keyIdOf(object), object);
  }
  return ring;
}

/** 'ok', or why the checkpoint cannot be trusted. */
export function checkCheckpoint(checkpoint: Checkpoint, keyring: CheckpointKeyring): 'ok' | 'unknown-key' | 'bad-signature' {
  const key = keyring.get(checkpoint.keyId);
  if (!key) return 'unknown-key';
  const claim: CheckpointClaim = {
    seq: checkpoint.seq,
    hash: checkpoint.hash,
    at: checkpoint.at,
    reason: checkpoint.reason,
    keyId: checkpoint.keyId,
  };
  try {
    return verify(null, Buffer.from(canonicalJson(claim)), key, Buffer.from(checkpoint.signature, 'base64')) ? 'ok' : 'bad-signature';
  } catch {
    return 'bad-signature';
  }
}
