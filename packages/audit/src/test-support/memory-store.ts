import { canonicalJson } from '../canonical-json.js';
import { eventHash, GENESIS_HASH } from '../chain/event-hash.js';
import type { AuditEvent, SealedAuditEvent } from '../events/event-types.js';
import type { AuditSearchPage, AuditStore, PruneReport, VerifyReport } from '../store/audit-store.js';

/** An in-memory store for writer/recorder/sink tests; `gate` lets a test make commits slow. */
export class MemoryStore implements AuditStore {
  readonly events: SealedAuditEvent[] = [];
  appendCalls = 0;
  gate: Promise<void> | undefined;
  failNext = 0;

  async append(events: readonly AuditEvent[]): Promise<readonly SealedAuditEvent[]> {
    this.appendCalls++;
    if (this.gate) await this.gate;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('store down');
    }
    const out: SealedAuditEvent[] = [];
    for (const event of events) {
      const seq = this.events.length + 1;
      const prevHash = this.events.at(-1)?.hash ?? GENESIS_HASH;
      const body = canonicalJson({ ...event, seq });
      const sealed = { ...event, seq, prevHash, hash: eventHash(prevHash, body) };
      this.events.push(sealed);
      out.push(sealed);
    }
    return out;
  }

  async read(): Promise<readonly SealedAuditEvent[]> {
    return this.events;
  }

  async search(): Promise<AuditSearchPage> {
    return { events: this.events };
  }

  async verify(): Promise<VerifyReport> {
    return { ok: true, events: this.events.length, checkpoints: { total: 0, valid: 0 }, problems: [] };
  }

  async prune(): Promise<PruneReport> {
    return { pruned: 0 };
  }

  async checkpoint(): Promise<undefined> {
    return undefined;
  }

  async checkpoints(): Promise<[]> {
    return [];
  }

  async close(): Promise<void> {
    // nothing to release
  }
}
