import { X509Certificate } from 'node:crypto';
import { connect, createServer } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createDevCertificate } from './dev-certificate.js';

describe('createDevCertificate', () => {
  it('makes a certificate a TLS server can use, naming the hosts it serves', async () => {
    const { cert, key } = await createDevCertificate(['gatehouse.local']);
    const parsed = new X509Certificate(cert);
    expect(parsed.subjectAltName).toContain('DNS:gatehouse.local');
    expect(parsed.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(parsed.ca).toBe(false);

    const server = createServer({ cert, key }, (socket) => socket.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const reply = await new Promise<string>((resolve, reject) => {
      // Trusting the certificate itself: verification (chain and name) must pass.
      const socket = connect({ port, host: '127.0.0.1', servername: 'gatehouse.local', ca: cert }, () => undefined);
      socket.on('data', (data) => resolve(data.toString()));
      socket.on('error', reject);
    });
    server.close();
    expect(reply).toBe('ok');
  });
});
