import { afterEach, describe, expect, it, vi } from 'vitest';
import { SyncSchedule } from './sql-driver.js';

describe('SyncSchedule', () => {
  afterEach(() => vi.useRealTimers());

  it('syncs an unsynced append within the interval even when nothing else is appended', async () => {
    vi.useFakeTimers();
    const schedule = new SyncSchedule(1_000);
    schedule.synced();
    expect(schedule.due(false)).toBe(false);
    let syncs = 0;
    const sync = async () => void syncs++;
    schedule.later(sync);
    schedule.later(sync); // one pending sync covers every append made meanwhile
    await vi.advanceTimersByTimeAsync(999);
    expect(syncs).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(syncs).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(syncs).toBe(1);
  });

  it('drops the pending sync when an append synced first, and when the store closes', async () => {
    vi.useFakeTimers();
    const schedule = new SyncSchedule(1_000);
    let syncs = 0;
    schedule.later(async () => void syncs++);
    schedule.synced();
    schedule.later(async () => void syncs++);
    schedule.cancel();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(syncs).toBe(0);
    expect(schedule.due(true)).toBe(true);
  });
});
