import { startMariadb } from '@gatehouse/testkit';
import type { MariadbServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuery } from '../protocol/messages/commands.js';
import { isResultSetTerminator } from '../protocol/messages/generic.js';
import { startTestGateway, upstreamFromUrl } from '../testing/gateway-harness.js';
import type { TestGateway, UpstreamServer } from '../testing/gateway-harness.js';
import { openRawClient } from '../testing/raw-client.js';
import { connectDirect, seedNumberedEmails } from '../testing/seed.js';

// One million rows with masking on stream through without the gateway holding them: the gateway
// runs in this process, the client counts rows without keeping them, and RSS must grow < 64 MB.

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

describe('streaming', () => {
  let server: MariadbServer | undefined;
  let gateway: TestGateway;

  beforeAll(async () => {
    const mysqlUrl = process.env['MYSQL_URL'];
    server = mysqlUrl ? undefined : await startMariadb();
    const upstream: UpstreamServer = mysqlUrl ? upstreamFromUrl(mysqlUrl) : server!;
    const owner = await connectDirect(upstream);
    await seedNumberedEmails(owner, 'million', ROWS);
    await owner.end();
    gateway = await startTestGateway(upstream, POLICY);
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
  });

  it(`streams ${ROWS} masked rows with RSS growth under 64 MB`, async () => {
    const client = await openRawClient(gateway.port, gateway.cert, 'ana', await gateway.token('ana', ['analysts']));
    const before = process.memoryUsage().rss;
    let peak = before;
    let packets = 0;
    let rows = 0;
    let masked = 0;
    let worst = '';
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      if (usage.rss > peak) {
        peak = usage.rss;
        worst = `heap ${(usage.heapUsed / 1048576).toFixed(0)} MB, external ${(usage.external / 1048576).toFixed(0)} MB, buffers ${(usage.arrayBuffers / 1048576).toFixed(0)} MB`;
      }
    }, 100);
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
    clearInterval(sampler);
    client.end();
    peak = Math.max(peak, process.memoryUsage().rss);
    const growthMb = (peak - before) / 1024 / 1024;
    console.log(`rows=${rows} masked=${masked} rss growth=${growthMb.toFixed(1)} MB at peak: ${worst}`);
    expect(rows).toBe(ROWS);
    expect(masked).toBe(ROWS);
    expect(growthMb).toBeLessThan(64);
  }, 120_000);
});
