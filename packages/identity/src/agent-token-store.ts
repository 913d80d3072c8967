import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PRINCIPAL_KINDS } from '@gatehouse/core';
import type { Principal, PrincipalAttributeValue, PrincipalKind } from '@gatehouse/core';
import { checkAttributes } from './attributes.js';
import { checkPrincipalId, readGroups } from './claims.js';
import { agentSecretMatches, generateAgentToken, hashAgentSecret, parseAgentToken } from './agent-token-format.js';
import { writeFileAtomic } from './atomic-file.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { ttlToSeconds } from './duration.js';
import type { Ttl } from './duration.js';
import { AgentTokenStoreError, IdentityConfigError, TokenClaimsError, TokenExpiredError, TokenRevokedError, UnknownAgentTokenError } from './errors.js';

/** One stored token. Only the SHA-256 of the secret is kept; the plaintext is shown once, at creation. */
export interface AgentTokenRecord {
  readonly id: string;
  readonly secretSha256: string;
  readonly principalId: string;
  readonly groups: readonly string[];
  readonly kind: PrincipalKind;
  readonly attributes?: Readonly<Record<string, PrincipalAttributeValue>>;
  readonly description?: string;
  /** ISO 8601 timestamps. */
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
}

/** A record as listed: everything but the hash. */
export type AgentTokenInfo = Omit<AgentTokenRecord, 'secretSha256'>;

export interface CreateAgentTokenOptions {
  readonly principalId: string;
  readonly groups?: readonly string[];
  /** Default `agent`. */
  readonly kind?: PrincipalKind;
  readonly attributes?: Readonly<Record<string, PrincipalAttributeValue>>;
  readonly description?: string;
  /** Without a ttl the token lives until revoked. */
  readonly ttl?: Ttl;
}

export interface CreatedAgentToken {
  /** The plaintext token. It is not stored anywhere: hand it over now or lose it. */
  readonly token: string;
  readonly info: AgentTokenInfo;
}

export interface AgentTokenStoreOptions {
  readonly path: string;
  readonly now?: Clock;
}

const FILE_MODE = 0o600;
const FILE_VERSION = 1;
/** Compared against when the id is unknown, so unknown ids and wrong secrets cost the same. */
const ABSENT_HASH = '0'.repeat(64);
const RENEW = 'ask an admin for a new agent token (`gatehouse token create`)';

interface Snapshot {
  /** Identifies the file version read; the atomic rename gives every write a new inode. */
  readonly stamp: string;
  readonly records: ReadonlyMap<string, AgentTokenRecord>;
}

/**
 * Long-lived agent and service tokens, stored hashed in a JSON file. The file is re-read when it
 * changes on disk, so tokens created or revoked by another process (the CLI) take effect at once.
 * Writes from this process are serialised; concurrent writers in several processes are not
 * coordinated (last writer wins), so run admin commands one at a time.
 */
export class AgentTokenStore {
  readonly path: string;
  readonly #now: Clock;
  #snapshot: Snapshot | undefined;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(options: AgentTokenStoreOptions) {
    this.path = options.path;
    this.#now = options.now ?? systemClock;
  }

  /** Creates a token and returns its plaintext, once. */
  async create(options: CreateAgentTokenOptions): Promise<CreatedAgentToken> {
    const record = this.#newRecord(options);
    const { token, id, secret } = generateAgentToken();
    const stored: AgentTokenRecord = { ...record, id, secretSha256: hashAgentSecret(secret) };
    await this.#mutate((records) => {
      records.set(id, stored);
    });
    return { token, info: toInfo(stored) };
  }

  /** Verifies a `gh_agt_` token; returns its principal (`via: 'agent-token'`). */
  async verify(token: string): Promise<Principal> {
    const { id, secret } = parseAgentToken(token);
    const record = (await this.#load()).records.get(id);
    const matches = agentSecretMatches(secret, record?.secretSha256 ?? ABSENT_HASH);
    if (record === undefined || !matches) throw new UnknownAgentTokenError();
    // Revocation and expiry are told only to whoever holds the right secret.
    if (record.revokedAt !== undefined) throw new TokenRevokedError(record.id, record.revokedAt);
    if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= this.#now()) {
      throw new TokenExpiredError(new Date(record.expiresAt), { renew: RENEW });
    }
    return {
      id: record.principalId,
      groups: record.groups,
      kind: record.kind,
      via: 'agent-token',
      ...(record.attributes === undefined ? {} : { attributes: record.attributes }),
    };
  }

  /** Revokes a token by id. Returns false when there is no such token or it was already revoked. */
  async revoke(id: string): Promise<boolean> {
    let revoked = false;
    await this.#mutate((records) => {
      const record = records.get(id);
      if (record === undefined || record.revokedAt !== undefined) return;
      records.set(id, { ...record, revokedAt: new Date(this.#now()).toISOString() });
      revoked = true;
    });
    return revoked;
  }

  /** Every token, revoked and expired ones included, oldest first, without hashes. */
  async list(): Promise<AgentTokenInfo[]> {
    const { records } = await this.#load();
    return [...records.values()].map(toInfo).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  #newRecord(options: CreateAgentTokenOptions): Omit<AgentTokenRecord, 'id' | 'secretSha256'> {
    try {
      const principalId = checkPrincipalId(options.principalId, 'principalId');
      const groups = readGroups(options.groups ?? [], 'groups');
      const kind = options.kind ?? 'agent';
      if (!(PRINCIPAL_KINDS as readonly string[]).includes(kind)) throw new TokenClaimsError(`kind must be one of ${PRINCIPAL_KINDS.join(', ')}`);
      const now = this.#now();
      const attributes = options.attributes === undefined ? undefined : checkAttributes(options.attributes);
      return {
        principalId,
        groups,
        kind,
        createdAt: new Date(now).toISOString(),
        ...(attributes === undefined ? {} : { attributes }),
        ...(options.description === undefined ? {} : { description: options.description }),
        ...(options.ttl === undefined ? {} : { expiresAt: new Date(now + ttlToSeconds(options.ttl) * 1000).toISOString() }),
      };
    } catch (error) {
      throw error instanceof TokenClaimsError ? new IdentityConfigError(`cannot create an agent token: ${error.detail}`, { cause: error }) : error;
    }
  }

  async #mutate(change: (records: Map<string, AgentTokenRecord>) => void): Promise<void> {
    const run = this.#writes.then(async () => {
      // Re-read under the lock: another process may have written since our last look.
      const records = new Map((await this.#load()).records);
      change(records);
      const body = `${JSON.stringify({ version: FILE_VERSION, tokens: [...records.values()] }, null, 2)}\n`;
      try {
        await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
        await writeFileAtomic(this.path, body, FILE_MODE);
      } catch (error) {
        throw new AgentTokenStoreError(`cannot write agent token store ${this.path}: ${(error as Error).message}`, { cause: error });
      }
      this.#snapshot = undefined;
    });
    // A failed write must not wedge every later one.
    this.#writes = run.catch(() => undefined);
    await run;
  }

  async #load(): Promise<Snapshot> {
    let stamp: string;
    try {
      const info = await stat(this.path);
      stamp = `${info.ino}:${info.size}:${info.mtimeMs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { stamp: 'absent', records: new Map() };
      throw new AgentTokenStoreError(`cannot read agent token store ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    if (this.#snapshot?.stamp === stamp) return this.#snapshot;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      throw new AgentTokenStoreError(`cannot read agent token store ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    this.#snapshot = { stamp, records: parseStore(text, this.path) };
    return this.#snapshot;
  }
}

function toInfo(record: AgentTokenRecord): AgentTokenInfo {
  const { secretSha256: _hash, ...info } = record;
  return info;
}

/** A damaged store fails closed: no agent token verifies until an admin repairs the file. */
function parseStore(text: string, path: string): Map<string, AgentTokenRecord> {
  const fail = (detail: string, cause?: unknown): never => {
    throw new AgentTokenStoreError(`agent token store ${path} is damaged: ${detail}; restore it from a backup`, cause === undefined ? undefined : { cause });
  };
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    fail('not JSON', error);
  }
  if (document === null || typeof document !== 'object') return fail('not a JSON object');
  const { version, tokens } = document as { version?: unknown; tokens?: unknown };
  if (version !== FILE_VERSION) return fail(`unsupported version ${String(version)}`);
  if (!Array.isArray(tokens)) return fail('"tokens" is not an array');
  const records = new Map<string, AgentTokenRecord>();
  tokens.forEach((entry: unknown, index) => {
    try {
      const record = parseRecord(entry);
      records.set(record.id, record);
    } catch (error) {
      fail(`token #${index + 1}: ${error instanceof TokenClaimsError ? error.detail : (error as Error).message}`, error);
    }
  });
  return records;
}

function parseRecord(entry: unknown): AgentTokenRecord {
  if (entry === null || typeof entry !== 'object') throw new TokenClaimsError('not an object');
  const raw = entry as Record<string, unknown>;
  const text = (name: string, pattern?: RegExp): string => {
    const value = raw[name];
    if (typeof value !== 'string' || (pattern !== undefined && !pattern.test(value))) throw new TokenClaimsError(`"${name}" is missing or invalid`);
    return value;
  };
  // An unparsable expiry would compare as "never expires": refuse it instead.
  const timestamp = (name: string): string => {
    const value = text(name);
    if (Number.isNaN(Date.parse(value))) throw new TokenClaimsError(`"${name}" is not a timestamp`);
    return value;
  };
  const optionalTimestamp = (name: string): string | undefined => (raw[name] === undefined ? undefined : timestamp(name));
  const kind = text('kind');
  if (!(PRINCIPAL_KINDS as readonly string[]).includes(kind)) throw new TokenClaimsError('"kind" is invalid');
  const attributes = raw['attributes'];
  if (attributes !== undefined && (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes))) {
    throw new TokenClaimsError('"attributes" is not an object');
  }
  const description = raw['description'] === undefined ? undefined : text('description');
  const expiresAt = optionalTimestamp('expiresAt');
  const revokedAt = optionalTimestamp('revokedAt');
  return {
    id: text('id', /^[0-9a-f]{16}$/),
    secretSha256: text('secretSha256', /^[0-9a-f]{64}$/),
    principalId: checkPrincipalId(raw['principalId'], '"principalId"'),
    groups: readGroups(raw['groups'] ?? [], 'groups'),
    kind: kind as PrincipalKind,
    createdAt: timestamp('createdAt'),
    ...(attributes === undefined ? {} : { attributes: checkAttributes(attributes as Record<string, unknown>) }),
    ...(description === undefined ? {} : { description }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(revokedAt === undefined ? {} : { revokedAt }),
  };
}
