import { startMssql } from '@gatehouse/testkit';
import type { MssqlServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, connectTedious, sql } from './testing/tedious-client.js';

let server: MssqlServer;
beforeAll(async () => {
  server = await startMssql({ tls: 'off', users: { reader: 'reader-pass' } });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe('testkit startMssql()', () => {
  it('starts the TDS test server in a child process (or uses MSSQL_URL) and tedious can use it', async () => {
    const c = await connectTedious(server.port, { user: server.user, password: server.password, encrypt: server.tls });
    try {
      const result = await sql(c, 'SELECT DB_NAME() AS db');
      expect(result.rows).toEqual([[server.database]]);
    } finally {
      await close(c);
    }
    if (server.kind === 'tds-test-server') {
      const reader = await connectTedious(server.port, { user: 'reader', password: 'reader-pass', encrypt: true });
      await close(reader);
    }
  });
});
