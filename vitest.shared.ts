import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** Each project's JSON report (an Nx cached output) is summed by tools/ci/test-summary.mjs. */
const reportFile = join(process.cwd(), '.test-results', 'vitest.json');

/** Shared vitest settings: resolve workspace packages to their TypeScript sources. */
export const sharedVitestConfig = defineConfig({
  resolve: { conditions: ['@gatehouse/source'] },
  ssr: { resolve: { conditions: ['@gatehouse/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    reporters: ['default', ['json', { outputFile: reportFile }]],
  },
});
