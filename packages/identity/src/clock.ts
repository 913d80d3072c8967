/** Milliseconds since the Unix epoch. Injected everywhere time matters so tests need no sleeping. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
