import { describe, expect, it } from 'vitest';
import { RequestCancellation } from './request-cancellation.js';

describe('RequestCancellation', () => {
  it('aborts a signal handed out before the cancel', () => {
    const cancellation = new RequestCancellation();
    const signal = cancellation.signal;
    let aborted = 0;
    signal.addEventListener('abort', () => aborted++);
    cancellation.cancel();
    expect(signal.aborted).toBe(true);
    expect(aborted).toBe(1);
    expect(cancellation.cancelled).toBe(true);
  });

  it('hands out an aborted signal after the cancel', () => {
    const cancellation = new RequestCancellation();
    cancellation.cancel();
    expect(cancellation.signal.aborted).toBe(true);
  });

  it('is not cancelled until told', () => {
    const cancellation = new RequestCancellation();
    expect(cancellation.cancelled).toBe(false);
    expect(cancellation.signal.aborted).toBe(false);
  });
});
