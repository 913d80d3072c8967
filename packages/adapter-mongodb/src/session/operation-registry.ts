import { Binary } from 'bson';

/** A session that can interrupt what it has in flight for one logical session (lsid). */
export interface InterruptibleSession {
  /** Answers the client's in-flight commands of `lsid` with Interrupted and abandons them upstream. */
  interruptOperations(lsid: string): void;
}

export interface OperationRegistryOptions {
  /** Logical sessions unused for this long are forgotten (the server's own timeout is 30 minutes). */
  readonly idleMs?: number;
  readonly maxSessions?: number;
  readonly now?: () => number;
}

interface LogicalSession {
  readonly owner: string;
  /**
   * The gateway session (connection) with commands of this lsid in flight, and how many. A driver
   * runs one command of a logical session at a time, so this one slot is the usual case and costs
   * no map update per command.
   */
  holder: InterruptibleSession | undefined;
  held: number;
  /** Other connections with commands of it in flight at the same time (rare), and how many each. */
  others: Map<InterruptibleSession, number> | undefined;
  lastUsed: number;
}

/** Whether no command of the logical session is in flight anywhere. */
function idle(entry: LogicalSession): boolean {
  return entry.holder === undefined && (entry.others === undefined || entry.others.size === 0);
}

/** The key of an `lsid` document (`{id: UUID}`), or undefined when the command carries none. */
export function lsidKey(lsid: unknown): string | undefined {
  if (typeof lsid !== 'object' || lsid === null) return undefined;
  const id: unknown = (lsid as { id?: unknown }).id;
  if (id instanceof Binary) return Buffer.from(id.buffer).toString('hex');
  if (id instanceof Uint8Array) return Buffer.from(id).toString('hex');
  return undefined;
}

/**
 * Which principal uses which logical session (lsid), and which connections have its commands in
 * flight. Shared by every session of a listener, like the cursor registry: every upstream connection
 * logs in as the same gateway user, so the server cannot tell principals' sessions apart and the
 * gateway must — a command naming someone else's lsid would run inside their session (their
 * transaction), and `killSessions` must stop only the caller's own work.
 */
export class OperationRegistry {
  readonly #sessions = new Map<string, LogicalSession>();
  readonly #idleMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: OperationRegistryOptions = {}) {
    this.#idleMs = options.idleMs ?? 60 * 60_000;
    this.#max = options.maxSessions ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /**
   * Claims `lsid` for `owner` on first use. False when another principal uses it (the command must be
   * refused); true otherwise.
   */
  claim(lsid: string, owner: string): boolean {
    const now = this.#now();
    const entry = this.#live(lsid, now);
    if (entry) {
      if (entry.owner !== owner) return false;
      entry.lastUsed = now;
      return true;
    }
    if (this.#sessions.size >= this.#max) this.#evictOne();
    this.#sessions.set(lsid, { owner, holder: undefined, held: 0, others: undefined, lastUsed: now });
    return true;
  }

  /** A command of `lsid` (already claimed) went upstream on `session`. */
  started(lsid: string, session: InterruptibleSession): void {
    const entry = this.#sessions.get(lsid);
    if (!entry) return;
    if (entry.holder === session) entry.held++;
    else if (entry.holder === undefined) {
      entry.holder = session;
      entry.held = 1;
    } else {
      const others = (entry.others ??= new Map());
      others.set(session, (others.get(session) ?? 0) + 1);
    }
  }

  /** That command was answered (or abandoned). */
  finished(lsid: string, session: InterruptibleSession): void {
    const entry = this.#sessions.get(lsid);
    if (!entry) return;
    if (entry.holder === session) {
      if (--entry.held === 0) entry.holder = undefined;
      return;
    }
    const count = entry.others?.get(session);
    if (count === undefined) return;
    if (count <= 1) entry.others!.delete(session);
    else entry.others!.set(session, count - 1);
  }

  /**
   * Interrupts `owner`'s in-flight commands of `lsid` on every connection; returns how many
   * connections were interrupted. Someone else's or an unknown lsid is ignored, as the server
   * ignores sessions it does not know.
   */
  interrupt(lsid: string, owner: string): number {
    const entry = this.#live(lsid, this.#now());
    if (!entry || entry.owner !== owner) return 0;
    const sessions = [...(entry.holder ? [entry.holder] : []), ...(entry.others?.keys() ?? [])];
    entry.holder = undefined;
    entry.held = 0;
    entry.others?.clear();
    for (const session of sessions) session.interruptOperations(lsid);
    return sessions.length;
  }

  #live(lsid: string, now: number): LogicalSession | undefined {
    const entry = this.#sessions.get(lsid);
    if (entry && idle(entry) && now - entry.lastUsed > this.#idleMs) {
      this.#sessions.delete(lsid);
      return undefined;
    }
    return entry;
  }

  /** Forgets the oldest logical session with nothing in flight (insertion order approximates age). */
  #evictOne(): void {
    for (const [key, entry] of this.#sessions) {
      if (idle(entry)) {
        this.#sessions.delete(key);
        return;
      }
    }
  }
}
