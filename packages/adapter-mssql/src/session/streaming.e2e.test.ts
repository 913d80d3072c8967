import { fileURLToPath } from 'node:url';
import { startGatewayProcess, startMssql } from '@gatehouse/testkit';
import type { GatewayProcess, MssqlServer } from '@gatehouse/testkit';
import { Request } from 'tedious';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDirect, seedNumberedEmails } from '../testing/seed.js';
import { closeTedious, connectTedious } from '../testing/tedious.js';

// One million rows with masking on stream through without the gateway holding them. The gateway
// runs in a child process and samples its own RSS, so the figure is the gateway's alone: the
// client (this process, tedious) and the stand-in (another process) cannot inflate it.

const ROWS = 1_000_000;
const POLICY = `
version: 1
rules:
  - id: analysts-read
    effect: allow
    when: { principal: { groups: [analysts] }, action: { category: [read] } }
    mask:
      columns: { "**.million.email": partial }
`;
const MB = 1024 * 1024;

describe('streaming', () => {
  let server: MssqlServer;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    server = await startMssql();
    const owner = await connectDirect(server);
    await seedNumberedEmails(server, owner, 'million', ROWS);
    await closeTedious(owner);
    const { stop: _stop, events: _events, ...upstream } = server;
    gateway = await startGatewayProcess(fileURLToPath(new URL('../testing/gateway-child.ts', import.meta.url)), { upstream, policyYaml: POLICY });
  }, 300_000);

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
  });

  it(`streams ${ROWS} masked rows with the gateway's RSS growing less than 64 MB`, async () => {
    const token = await gateway.token('ana', ['analysts']);
    await gateway.mark();
    const client = await connectTedious(gateway.port, { user: 'ana', password: token, ca: gateway.cert, requestTimeoutMs: 600_000 });
    let rows = 0;
    let masked = 0;
    await new Promise<void>((resolve, reject) => {
      const request = new Request('SELECT id, email FROM million', (error) => (error ? reject(error) : resolve()));
      request.on('row', (columns: { value: unknown }[]) => {
        rows++;
        if (!/^user\d+@example\.com$/.test(String(columns[1]?.value))) masked++;
      });
      client.execSqlBatch(request);
    });
    const memory = await gateway.report();
    await closeTedious(client);
    const growthMb = (memory.peakRss - memory.baselineRss) / MB;
    const { heapUsed, external, arrayBuffers } = memory.atPeak;
    console.log(
      `rows=${rows} masked=${masked}; gateway RSS ${(memory.baselineRss / MB).toFixed(0)} → peak ${(memory.peakRss / MB).toFixed(0)} MB ` +
        `(growth ${growthMb.toFixed(1)} MB; at peak heap ${(heapUsed / MB).toFixed(0)} MB, external ${(external / MB).toFixed(0)} MB, array buffers ${(arrayBuffers / MB).toFixed(0)} MB)`,
    );
    expect(rows).toBe(ROWS);
    expect(masked).toBe(ROWS);
    expect(growthMb).toBeLessThan(64);
  }, 600_000);
});
