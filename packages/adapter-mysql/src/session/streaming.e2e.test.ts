import { startMariadb } from '@gatehouse/testkit';
import type { MariadbServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuery } from '../protocol/messages/commands.js';
import { isResultSetTerminator } from '../protocol/messages/generic.js';
import { upstreamFromUrl } from '../testing/gateway-harness.js';
import type { UpstreamServer } from '../testing/gateway-harness.js';
import { fileURLToPath } from 'node:url';
import { startGatewayProcess } from '@gatehouse/testkit';
import type { GatewayProcess } from '@gatehouse/testkit';
import { openRawClient } from '../testing/raw-client.js';
import { connectDirect, seedNumberedEmails } from '../testing/seed.js';

// One million rows with masking on stream through without the gateway holding them. The gateway
// runs in a child process and samples its own RSS, so the figure is the gateway's alone: the
// client (this process) cannot inflate it, whatever it keeps.

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
  let server: MariadbServer | undefined;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    const mysqlUrl = process.env['MYSQL_URL'];
    server = mysqlUrl ? undefined : await startMariadb();
    const upstream: UpstreamServer = mysqlUrl ? upstreamFromUrl(mysqlUrl) : server!;
    const owner = await connectDirect(upstream);
    await seedNumberedEmails(owner, 'million', ROWS);
    await owner.end();
    gateway = await startGatewayProcess(fileURLToPath(new URL('../testing/gateway-child.ts', import.meta.url)), { upstream, policyYaml: POLICY });
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
  });

  it(`streams ${ROWS} masked rows with the gateway's RSS growing less than 64 MB`, async () => {
    const token = await gateway.token('ana', ['analysts']);
    await gateway.mark();
    const client = await openRawClient(gateway.port, gateway.cert, 'ana', token);
    let packets = 0;
    let rows = 0;
    let masked = 0;
    // Packets: column count, 2 column definitions, the rows, then the terminating OK.
    await client.request(
      encodeQuery('SELECT id, email FROM million'),
      (packet) => packets > 3 && isResultSetTerminator(packet.payload, true),
      (packet) => {
        packets++;
        if (packets <= 3 || isResultSetTerminator(packet.payload, true)) return;
        rows++;
        if (!packet.payload.toString('latin1').match(/user\d+@example\.com/)) masked++;
      },
    );
    const memory = await gateway.report();
    client.end();
    const growthMb = (memory.peakRss - memory.baselineRss) / MB;
    const { heapUsed, external, arrayBuffers } = memory.atPeak;
    console.log(
      `rows=${rows} masked=${masked}; gateway RSS ${(memory.baselineRss / MB).toFixed(0)} → peak ${(memory.peakRss / MB).toFixed(0)} MB ` +
        `(growth ${growthMb.toFixed(1)} MB; at peak heap ${(heapUsed / MB).toFixed(0)} MB, external ${(external / MB).toFixed(0)} MB, array buffers ${(arrayBuffers / MB).toFixed(0)} MB)`,
    );
    expect(rows).toBe(ROWS);
    expect(masked).toBe(ROWS);
    expect(growthMb).toBeLessThan(64);
  }, 120_000);
});
