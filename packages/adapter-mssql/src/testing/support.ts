// Test-only helpers (excluded from the build by tsconfig): seeded randomness and chunk splitting.
export { prng, splitAt } from '@gatehouse/testkit';

