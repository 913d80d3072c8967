// Test-only helpers (excluded from the build by tsconfig): seeded randomness and chunk splitting.
import type { MongoMessage } from '../protocol/message.js';
export { prng, splitAt } from '@gatehouse/testkit';

export function summary(message: MongoMessage): string {
  return `${message.opCode}:${message.requestId}:${message.responseTo}:${message.raw.toString('hex')}`;
}

