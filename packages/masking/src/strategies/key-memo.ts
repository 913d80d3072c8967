/**
 * Values derived from a secret key (HMAC pad states, the derived format-preserving key), kept so
 * that compiling a plan per result set does not derive them again. Entries are found by the key's
 * content, not its identity, so a key buffer changed in place never gets stale results. Holds at
 * most `max` keys (configuration has one or two); when full it starts over.
 */
export class KeyMemo<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly max: number) {}

  get(key: string | Uint8Array, derive: (key: string | Uint8Array) => T): T {
    const id = typeof key === 'string' ? `s${key}` : `b${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')}`;
    let value = this.entries.get(id);
    if (value === undefined) {
      value = derive(key);
      if (this.entries.size >= this.max) this.entries.clear();
      this.entries.set(id, value);
    }
    return value;
  }
}
