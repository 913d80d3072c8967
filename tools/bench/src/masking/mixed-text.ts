/**
 * Realistic column text for the content scan: mostly ordinary log lines and prose (which must
 * be cheap to pass through), about 2 % carrying PII or a secret (which must be found).
 */
const ORDINARY = [
  '2024-01-05T10:22:33.123Z INFO request id=550e8400-e29b-41d4-a716-446655440000 path=/api/v1/orders/12345 status=200 took 34 ms',
  'The quick brown fox jumps over the lazy dog; this sentence is ordinary prose written for a benchmark.',
  'User 48213 updated their shipping preferences on March 3rd, and the order shipped two days later.',
  'warning: deprecated option --foo, use --bar instead (since version 2.14.1)',
  'Customer note: please deliver to the back door, ring twice, thanks!',
  'Order #A-99812 total 129.99 EUR, 3 items, paid by card ending 4242',
  'deploy worker@1.4.2 commit 3f786850e387550fdab836ed7e6dc881de23001b by ci-bot',
];

const SENSITIVE = [
  'contact alice@example.com for details',
  'card 4111 1111 1111 1111 on file',
  'phone +44 20 7946 0958',
  'token ghp_aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5 leaked',
];

export function mixedTextValues(count: number): string[] {
  const values: string[] = [];
  for (let i = 0; i < count; i++) {
    values.push(i % 50 === 0 ? `${SENSITIVE[(i / 50) % SENSITIVE.length]} #${i}` : ORDINARY[i % ORDINARY.length]!);
  }
  return values;
}

/**
 * Repeated fragments that start a detector's match and never finish it: the inputs where a
 * backtracking scan would go quadratic (the masking package's unit tests hold the full list).
 */
export const ADVERSARIAL_UNITS = ['a', '@', '1 ', 'a@a.', 'eyJ.', 'a:b@', 'AB1', '1:', 'AKIA', 'ghp_', '-----BEGIN ', 'password=', '+1', 'Aa1/'];

export function repeatTo(unit: string, size: number): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}
