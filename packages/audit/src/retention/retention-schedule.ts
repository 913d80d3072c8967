import type { PruneReport, RetentionPolicy } from '../store/audit-store.js';

export interface RetentionScheduleOptions {
  /** What to keep: maxAgeMs and/or maxBytes (and/or maxEvents). */
  readonly policy: Omit<RetentionPolicy, 'now'>;
  /** Time between prunes; the first runs one interval after start (default 1 h). */
  readonly intervalMs?: number;
  /** The prune itself (AuditTrail.prune): deletes from the oldest end and signs an anchor checkpoint. */
  prune(policy: RetentionPolicy): Promise<PruneReport>;
  /** Each prune's outcome, for the gateway's log (and tests). */
  readonly onPruned?: (report: PruneReport) => void;
  /** A failed prune (store down, no signing key): logged; the next interval tries again. */
  readonly onError?: (error: unknown) => void;
}

export interface RetentionSchedule {
  /** Prunes now (outside the schedule), e.g. from a test or an admin request. */
  runNow(): Promise<PruneReport>;
  /** Stops the timer and waits for a prune in flight. */
  stop(): Promise<void>;
}

const DEFAULT_INTERVAL_MS = 3_600_000;

/**
 * Retention on a timer: every interval, the trail is pruned from its oldest end to the policy
 * (maximum age and/or size), in one transaction that also signs an anchor checkpoint for the last
 * removed event, so what remains still verifies. One prune at a time; the timer never keeps the
 * process alive.
 */
export function scheduleRetention(options: RetentionScheduleOptions): RetentionSchedule {
  const { policy } = options;
  if (policy.maxAgeMs === undefined && policy.maxBytes === undefined && policy.maxEvents === undefined) {
    throw new RangeError('a retention schedule needs maxAgeMs, maxBytes or maxEvents');
  }
  let running: Promise<PruneReport> | undefined;
  let stopped = false;
  const runNow = (): Promise<PruneReport> => {
    running ??= options
      .prune({ ...policy, now: new Date() })
      .then((report) => {
        options.onPruned?.(report);
        return report;
      })
      .finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => {
    if (stopped || running) return;
    runNow().catch((error: unknown) => options.onError?.(error));
  }, Math.max(1, options.intervalMs ?? DEFAULT_INTERVAL_MS));
  timer.unref();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
