/** A SASL PLAIN message (RFC 4616): `[authzid] NUL authcid NUL passwd`. */
export interface PlainCredentials {
  readonly user: string;
  readonly password: string;
}

/** Parses a PLAIN payload; undefined when it is not one (wrong field count, empty user, authzid for someone else). */
export function parsePlainPayload(payload: Uint8Array): PlainCredentials | undefined {
  const text = Buffer.from(payload).toString('utf8');
  const parts = text.split('\0');
  if (parts.length !== 3) return undefined;
  const [authzid, user, password] = parts as [string, string, string];
  if (user === '' || password === '') return undefined;
  // Acting as someone else (authzid ≠ authcid) is not something a token can grant.
  if (authzid !== '' && authzid !== user) return undefined;
  return { user, password };
}

/** Encodes a PLAIN payload (for tests and tools). */
export function encodePlainPayload(user: string, password: string): Buffer {
  return Buffer.from(`\0${user}\0${password}`, 'utf8');
}
