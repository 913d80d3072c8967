/**
 * Child process for the kill -9 test: appends before-forward statement records to an embedded
 * store as fast as it can and prints each statement id once its write resolved.
 */
import { openEmbeddedAuditStore } from '../store/open-stores.js';
import { AuditTrail } from '../trail.js';
import { action, query, session } from './fixtures.js';

const dataDir = process.argv[2]!;
const store = await openEmbeddedAuditStore({ dataDir });
const trail = new AuditTrail({ store });
const sink = trail.sink('before-forward');
await sink.onSessionStart(session('crash'));
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  // Several in flight at once, as several client connections would be.
  await Promise.all(
    [0, 1, 2, 3].map(async (lane) => {
      const id = `c${i}-${lane}`;
      await sink.onQuery(query('crash', id, [action('SELECT', 'app.public.t', 'SELECT ?')]));
      process.stdout.write(`${id}\n`);
    }),
  );
}
