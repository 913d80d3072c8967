import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isExecutable, ensureDebianPackages } from '../system/debian-packages.js';
import { runCommand } from '../system/run-command.js';

/** A throwaway CA and a server certificate for localhost/127.0.0.1/::1 signed by it (PEM files). */
export interface TestCertificates {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

/** Writes a fresh CA and server certificate into `dir` with the openssl CLI (Debian `openssl`). */
export async function createTestCertificates(dir: string, commonName = 'localhost'): Promise<TestCertificates> {
  await ensureDebianPackages(['openssl'], () => isExecutable('/usr/bin/openssl'));
  const files = {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
  };
  const csr = join(dir, 'server.csr');
  const extensions = join(dir, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await runCommand('openssl', [
    'req', '-x509', ...ec, '-keyout', files.caKey, '-out', files.caCert, '-days', '7',
    '-subj', '/CN=Gatehouse Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await runCommand('openssl', ['req', ...ec, '-keyout', files.serverKey, '-out', csr, '-subj', `/CN=${commonName}`]);
  writeFileSync(
    extensions,
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
      `subjectAltName=DNS:${commonName},DNS:localhost,IP:127.0.0.1,IP:::1\n`,
  );
  await runCommand('openssl', [
    'x509', '-req', '-in', csr, '-CA', files.caCert, '-CAkey', files.caKey, '-CAcreateserial',
    '-out', files.serverCert, '-days', '7', '-extfile', extensions,
  ]);
  return files;
}
