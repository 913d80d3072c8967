import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encryption, encodeLogin7, encodeMessage, encodePrelogin, encodeSqlBatch, PacketType, TdsMessageStream, TdsVersion, TokenStreamReader } from '@gatehouse/adapter-mssql';
import type { Token } from '@gatehouse/adapter-mssql';
import { issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { silentLogger } from '@gatehouse/proxy';
import { startMssql } from '@gatehouse/testkit';
import type { MssqlServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../runtime/start-gateway.js';
import type { RunningGateway } from '../runtime/start-gateway.js';
import { loadGatewayConfig } from './load-gateway-config.js';

// `upstream.tls.strict: true` in the file reaches the SQL Server adapter: the gateway's own login to
// the database is TDS 8 strict (TLS before PRELOGIN), which the stand-in records as such.

function tokensOf(payload: Buffer): Token[] {
  const reader = new TokenStreamReader();
  const tokens = reader.push(payload);
  reader.endOfMessage();
  return tokens;
}

describe.skipIf(process.env['MSSQL_URL'] !== undefined)('upstream.tls.strict through gatehouse start (TDS stand-in)', () => {
  let server: MssqlServer;
  let gateway: RunningGateway;
  let dir: string;

  beforeAll(async () => {
    server = await startMssql({ tls: 'on' });
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-strict-e2e-'));
    writeFileSync(join(dir, 'policy.yaml'), 'version: 1\nrules:\n  - id: all\n    effect: allow\n    when: { principal: { groups: [app] } }\n');
    writeFileSync(
      join(dir, 'gatehouse.yaml'),
      `policy: ./policy.yaml
identity:
  signingKey: ./gateway.pem
masking:
  hashKey: ${'h'.repeat(32)}
connections:
  - name: sales
    dialect: mssql
    environment: test
    listen: 127.0.0.1:0
    allowPlaintextOnLoopback: true
    upstream:
      host: ${server.host}
      port: ${server.port}
      database: ${server.database}
      user: ${server.user}
      password: \${env:SALES_DB_PASSWORD}
      tls: { mode: require, strict: true }
`,
    );
    const config = await loadGatewayConfig(join(dir, 'gatehouse.yaml'), { env: { SALES_DB_PASSWORD: server.password } });
    expect(config.connections[0]?.upstream.tls).toEqual({ mode: 'require', strict: true });
    gateway = await startGateway(config, silentLogger());
  }, 120_000);

  afterAll(async () => {
    await gateway?.drain();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs in upstream in strict mode and relays a batch', async () => {
    const port = gateway.listeners.find((listener) => listener.connection === 'sales')!.address.port;
    const token = await issueGatewayToken(await loadOrCreateSigningKey(join(dir, 'gateway.pem')), { user: 'carl', groups: ['app'], kind: 'human', ttl: '1h' });
    const from = server.events.length;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    try {
      // A plaintext loopback client (allowed by allowPlaintextOnLoopback); the upstream side is what is checked.
      const messages = new TdsMessageStream(socket, 'gateway', {});
      socket.write(encodeMessage(PacketType.Prelogin, encodePrelogin({ version: { major: 1, minor: 0, build: 0, subbuild: 0 }, encryption: Encryption.NotSupported, instance: Buffer.alloc(0), mars: false })));
      await messages.next(10_000);
      socket.write(
        encodeMessage(
          PacketType.Login7,
          encodeLogin7({ tdsVersion: TdsVersion.V7_4, packetSize: 4096, clientPid: process.pid, hostName: 'e2e', userName: 'carl', password: token, appName: 'strict-e2e', serverName: 'gatehouse', clientInterfaceName: 'e2e' }),
        ),
      );
      expect(tokensOf((await messages.next(15_000)).payload).some((t) => t.kind === 'loginack')).toBe(true);
      socket.write(encodeMessage(PacketType.SqlBatch, encodeSqlBatch('SELECT 1 AS one')));
      expect(tokensOf((await messages.next(15_000)).payload).filter((t) => t.kind === 'row')).toHaveLength(1);
      // Events come over the stand-in's stdout, not ordered with the socket: wait for the upstream's PRELOGIN.
      const prelogins = () => server.events.slice(from).filter((event) => event.event === 'prelogin');
      for (let waited = 0; prelogins().length === 0 && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(prelogins().map((event) => event['outcome'])).toEqual(['strict']);
    } finally {
      socket.destroy();
    }
  });
});
