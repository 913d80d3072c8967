import { mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../vitest.shared.js';

// The 1M-document streaming test measures RSS. Masking documents allocates short-lived objects per
// document; under that allocation rate V8 grows its young generation to 3 × 16 MB by default, which
// shows as ~100 MB of RSS that is garbage, not retention (with a 2 MB semi-space the same stream
// grows RSS by ~6 MB). The cap makes the figure the gateway's retention, as intended. Files run one
// at a time so no other test file's load distorts that measurement.
export default mergeConfig(sharedVitestConfig, { test: { execArgv: ['--max-semi-space-size=2'], fileParallelism: false } });
