import { startMssql } from '@gatehouse/testkit';
import type { MssqlServer } from '@gatehouse/testkit';
import type { Connection } from 'tedious';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';
import { connectDirect } from '../testing/seed.js';
import { closeTedious, connectTedious, sql } from '../testing/tedious.js';
import type { TediousError } from '../testing/tedious.js';

// Server ERROR and INFO text goes through the text redactor on every response, also when no mask
// plan or row limit applies (the app identity here has neither): SQL Server echoes values in them.

const POLICY = `
version: 1
rules:
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

async function failure(promise: Promise<unknown>): Promise<TediousError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error as TediousError,
  );
  if (!outcome) throw new Error('the statement succeeded although it should have failed');
  return outcome;
}

describe('SQL Server server messages through the gateway, without a mask plan', () => {
  let server: MssqlServer;
  let gateway: TestGateway;
  let app: Connection;

  beforeAll(async () => {
    server = await startMssql();
    const owner = await connectDirect(server);
    await sql(owner, "IF OBJECT_ID(N'accounts', N'U') IS NOT NULL DROP TABLE accounts");
    await sql(owner, 'CREATE TABLE accounts (id int NOT NULL PRIMARY KEY, holder nvarchar(100) NOT NULL)');
    await sql(owner, "INSERT INTO accounts (id, holder) VALUES (424242, N'Ana Lima')");
    await closeTedious(owner);
    gateway = await startTestGateway(server, POLICY, { allowPlaintextOnLoopback: true });
    app = await connectTedious(gateway.port, { user: 'carl', password: await gateway.token('carl', ['app']), ca: gateway.cert });
  }, 120_000);

  afterAll(async () => {
    if (app) await closeTedious(app);
    await gateway?.stop();
    await server?.stop();
  });

  it('a duplicate-key error keeps its number, state and class, loses the key value, and the session goes on', async () => {
    const error = await failure(sql(app, "INSERT INTO accounts (id, holder) VALUES (424242, N'Bo Chen')"));
    expect([error.number, (error as { state?: number }).state, error.class]).toEqual([2627, 1, 14]);
    expect(error.message).toMatch(/duplicate key/i);
    expect(error.message).not.toContain('424242');
    expect((await sql(app, 'SELECT COUNT(*) AS n FROM accounts')).rows).toEqual([[1]]);
  });

  it('a conversion error loses the string it quotes', async () => {
    const error = await failure(sql(app, "SELECT CAST(N'acct-secret-9917' AS int) AS n", 'execSql'));
    expect([error.number, error.class]).toEqual([245, 16]);
    expect(error.message).toMatch(/^Conversion failed when converting the nvarchar value/);
    expect(error.message).not.toContain('acct-secret-9917');
    expect((await sql(app, 'SELECT 1 AS one')).rows).toEqual([[1]]);
  });

  it('INFO text (PRINT) is redacted too; ordinary results pass unchanged', async () => {
    const result = await sql(app, "PRINT N'card 4111 1111 1111 1111 was charged'");
    expect(result.infos).toHaveLength(1);
    expect(result.infos[0]).not.toContain('4111 1111 1111 1111');
    expect(result.infos[0]).toContain('was charged');
    expect((await sql(app, 'SELECT id, holder FROM accounts')).rows).toEqual([[424242, 'Ana Lima']]);
  });
});
