import { fileURLToPath } from 'node:url';

/** The demo policy shipped beside the app (same relative place from src/ and dist/). */
export const DEMO_POLICY_FILE = fileURLToPath(new URL('../../demo/policy.yaml', import.meta.url));
