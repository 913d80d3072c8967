import { PgliteDriver } from '@gatehouse/audit';
import { freshDataDir } from '../test-support/pglite-template.js';
import { defineApprovalsSuite } from '../test-support/store-suite.js';
import { SqlApprovalStore } from './sql-approval-store.js';

defineApprovalsSuite('embedded (PGlite)', async () => {
  const store = await SqlApprovalStore.open(await PgliteDriver.open({ dataDir: await freshDataDir(), fsync: false }));
  return { store, close: () => store.close() };
});
