import { randomBytes, randomInt } from 'node:crypto';

/** Where a cancel for one client session must go: the upstream server and its own backend key. */
export interface UpstreamCancelTarget {
  readonly processId: number;
  readonly secretKey: Buffer;
  /** Also told about the cancel: a statement held at the gateway (approval) is cancelled there. */
  readonly onCancel?: () => void;
}

export interface GatewayBackendKey {
  readonly processId: number;
  readonly secretKey: Buffer;
}

/**
 * Clients receive the gateway's own BackendKeyData, never the upstream's; a CancelRequest with a
 * gateway key is mapped back to the upstream key here. Keys are random, so a cancel cannot be
 * forged by guessing a neighbour's process id.
 */
export class CancelRegistry {
  readonly #targets = new Map<string, UpstreamCancelTarget>();

  register(target: UpstreamCancelTarget): GatewayBackendKey {
    for (;;) {
      const key = { processId: randomInt(1, 2 ** 31 - 1), secretKey: randomBytes(4) };
      const id = keyId(key.processId, key.secretKey);
      if (this.#targets.has(id)) continue;
      this.#targets.set(id, target);
      return key;
    }
  }

  lookup(processId: number, secretKey: Buffer): UpstreamCancelTarget | undefined {
    return this.#targets.get(keyId(processId, secretKey));
  }

  unregister(key: GatewayBackendKey): void {
    this.#targets.delete(keyId(key.processId, key.secretKey));
  }

  get size(): number {
    return this.#targets.size;
  }
}

function keyId(processId: number, secretKey: Buffer): string {
  return `${processId}:${secretKey.toString('hex')}`;
}
