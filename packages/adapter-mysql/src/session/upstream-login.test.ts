import { constants, createHash, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { createDevCertificate } from '@gatehouse/proxy';
import type { PemKeyPair } from '@gatehouse/proxy';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Capability, UTF8MB4_GENERAL_CI } from '../protocol/constants.js';
import { decodeHandshakeResponse41 } from '../protocol/messages/handshake.js';
import { startFakeMysql8 } from '../testing/fake-mysql8.js';
import type { FakeMysql8, FakeMysql8Options } from '../testing/fake-mysql8.js';
import { connectUpstream, UpstreamLoginError } from './upstream-login.js';
import type { MysqlUpstreamSettings, UpstreamConnection } from './upstream-login.js';

// The gateway's own login to a MySQL 8 upstream (caching_sha2_password), which MariaDB cannot
// exercise: a scripted server in this process records every byte the gateway sends, and the
// expected bytes are computed here from the MySQL manual, not with the gateway's helpers.

const USER = 'gatehouse_svc';
const PASSWORD = 'Pässwörd-for-the-gateway';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

const sha1 = (...parts: Buffer[]) => parts.reduce((hash, part) => hash.update(part), createHash('sha1')).digest();
const sha256 = (...parts: Buffer[]) => parts.reduce((hash, part) => hash.update(part), createHash('sha256')).digest();
const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, i) => byte ^ b[i % b.length]!));
/** SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + scramble). */
const expectedSha2 = (scramble: Buffer) => xor(sha256(Buffer.from(PASSWORD)), sha256(sha256(sha256(Buffer.from(PASSWORD))), scramble));
/** SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))). */
const expectedNative = (scramble: Buffer) => xor(sha1(Buffer.from(PASSWORD)), sha1(scramble, sha1(sha1(Buffer.from(PASSWORD)))));
const cleartext = Buffer.from(`${PASSWORD}\0`, 'utf8');

describe('upstream login to a MySQL 8 server (caching_sha2_password)', () => {
  let cert: PemKeyPair;
  let server: FakeMysql8 | undefined;
  const open: UpstreamConnection[] = [];

  beforeAll(async () => {
    cert = await createDevCertificate(['localhost']);
  });

  afterEach(async () => {
    for (const connection of open.splice(0)) connection.socket.destroy();
    await server?.close();
    server = undefined;
  });

  async function login(options: Partial<FakeMysql8Options> & { tlsMode?: 'disable' | 'verify-full'; serverPublicKey?: string; gatewayPassword?: string }): Promise<UpstreamConnection> {
    server = await startFakeMysql8({ user: USER, password: PASSWORD, rsa, ...options, ...(options.tlsMode === 'verify-full' ? { tls: cert } : {}) });
    const settings: MysqlUpstreamSettings = {
      host: '127.0.0.1',
      port: server.port,
      database: 'app',
      user: USER,
      password: options.gatewayPassword ?? PASSWORD,
      tls: options.tlsMode === 'verify-full' ? { ca: cert.cert, servername: 'localhost', rejectUnauthorized: true } : undefined,
      ...(options.serverPublicKey ? { serverPublicKey: options.serverPublicKey } : {}),
      connectTimeoutMs: 5_000,
    };
    const connection = await connectUpstream(settings, { characterSet: UTF8MB4_GENERAL_CI, database: 'app' });
    open.push(connection);
    return connection;
  }

  /** The HandshakeResponse41 the gateway sent, checked field by field. */
  function expectHandshakeResponse(payload: Buffer, plugin: string, authResponse: Buffer, ssl: boolean): void {
    const response = decodeHandshakeResponse41(payload);
    expect(response.user).toBe(USER);
    expect(response.authPluginName).toBe(plugin);
    expect(response.authResponse.toString('hex')).toBe(authResponse.toString('hex'));
    expect(response.database).toBe('app');
    expect(response.characterSet).toBe(UTF8MB4_GENERAL_CI);
    expect(response.connectAttributes.size).toBe(0);
    const required = Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH | Capability.CONNECT_WITH_DB;
    expect(response.capabilities & required).toBe(required);
    // Never asked for: layouts the gateway does not implement, even though MySQL 8 offers them.
    expect(response.capabilities & (Capability.COMPRESS | Capability.QUERY_ATTRIBUTES | Capability.ZSTD_COMPRESSION)).toBe(0);
    expect((response.capabilities & Capability.SSL) !== 0).toBe(ssl);
  }

  it('fast authentication: one scrambled response, then 0x03 and OK, nothing else sent', async () => {
    const upstream = await login({});
    const [connection] = server!.connections;
    expect(connection!.steps).toEqual(['fast-auth']);
    expect(connection!.received.map((p) => p.sequenceId)).toEqual([1]);
    expectHandshakeResponse(connection!.received[0]!.payload, 'caching_sha2_password', expectedSha2(connection!.scramble), false);
    expect(upstream.encrypted).toBe(false);
  });

  it('full authentication inside TLS: SSLRequest, response, then the cleartext password only inside TLS', async () => {
    const upstream = await login({ cached: false, tlsMode: 'verify-full' });
    const [connection] = server!.connections;
    expect(connection!.steps).toEqual(['tls', 'full-auth', 'cleartext-in-tls']);
    const [sslRequest, response, password, ...rest] = connection!.received;
    expect(rest).toEqual([]);
    // SSLRequest: capabilities, max packet size, character set, 23 zero bytes; sequence id 1, before TLS.
    expect(sslRequest!.tls).toBe(false);
    expect(sslRequest!.sequenceId).toBe(1);
    expect(sslRequest!.payload.length).toBe(32);
    expect(sslRequest!.payload.readUInt32LE(0) & Capability.SSL).toBe(Capability.SSL);
    expect(sslRequest!.payload[8]).toBe(UTF8MB4_GENERAL_CI);
    expect(sslRequest!.payload.subarray(9).equals(Buffer.alloc(23))).toBe(true);
    expect(sslRequest!.payload.includes(Buffer.from(PASSWORD))).toBe(false);
    expect(response).toMatchObject({ sequenceId: 2, tls: true });
    expectHandshakeResponse(response!.payload, 'caching_sha2_password', expectedSha2(connection!.scramble), true);
    expect(password).toMatchObject({ sequenceId: 4, tls: true });
    expect(password!.payload.toString('hex')).toBe(cleartext.toString('hex'));
    expect(upstream.encrypted).toBe(true);
  });

  it('full authentication without TLS: asks for the RSA key (0x02), sends RSA-OAEP(password XOR scramble)', async () => {
    await login({ cached: false });
    const [connection] = server!.connections;
    expect(connection!.steps).toEqual(['full-auth', 'public-key-request', 'rsa']);
    const [response, keyRequest, encrypted, ...rest] = connection!.received;
    expect(rest).toEqual([]);
    expectHandshakeResponse(response!.payload, 'caching_sha2_password', expectedSha2(connection!.scramble), false);
    expect(keyRequest).toMatchObject({ sequenceId: 3, tls: false });
    expect(keyRequest!.payload.toString('hex')).toBe('02');
    expect(encrypted!.sequenceId).toBe(5);
    expect(encrypted!.payload.length).toBe(256); // one RSA-2048 block
    expect(encrypted!.payload.includes(Buffer.from(PASSWORD))).toBe(false);
    const plain = privateDecrypt({ key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, encrypted!.payload);
    expect(xor(plain, connection!.scramble).toString('hex')).toBe(cleartext.toString('hex'));
  });

  it('full authentication without TLS uses a configured server public key without asking for it', async () => {
    await login({ cached: false, serverPublicKey: rsa.publicKey });
    const [connection] = server!.connections;
    expect(connection!.steps).toEqual(['full-auth', 'rsa']);
    const [, encrypted, ...rest] = connection!.received;
    expect(rest).toEqual([]);
    expect(encrypted!.sequenceId).toBe(3);
    const plain = privateDecrypt({ key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, encrypted!.payload);
    expect(xor(plain, connection!.scramble).toString('hex')).toBe(cleartext.toString('hex'));
  });

  it('follows an AuthSwitchRequest from mysql_native_password to caching_sha2_password with the new scramble', async () => {
    await login({ greetingPlugin: 'mysql_native_password', accountPlugin: 'caching_sha2_password' });
    const [connection] = server!.connections;
    expect(connection!.steps).toEqual(['switch:caching_sha2_password', 'fast-auth']);
    const [response, switched, ...rest] = connection!.received;
    expect(rest).toEqual([]);
    expectHandshakeResponse(response!.payload, 'mysql_native_password', expectedNative(connection!.scramble), false);
    expect(switched!.sequenceId).toBe(3);
    expect(connection!.switchScramble!.equals(connection!.scramble)).toBe(false);
    expect(switched!.payload.toString('hex')).toBe(expectedSha2(connection!.switchScramble!).toString('hex'));
  });

  it('after a switch, full authentication encrypts with the switch\'s scramble', async () => {
    await login({ greetingPlugin: 'mysql_native_password', cached: false });
    const [connection] = server!.connections;
    expect(connection!.steps).toEqual(['switch:caching_sha2_password', 'full-auth', 'public-key-request', 'rsa']);
    const encrypted = connection!.received.at(-1)!;
    expect(encrypted.sequenceId).toBe(7);
    const plain = privateDecrypt({ key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, encrypted.payload);
    expect(xor(plain, connection!.switchScramble!).toString('hex')).toBe(cleartext.toString('hex'));
  });

  it('follows an AuthSwitchRequest from caching_sha2_password to mysql_native_password', async () => {
    await login({ accountPlugin: 'mysql_native_password', greetingPlugin: 'caching_sha2_password' });
    const [connection] = server!.connections;
    expect(connection!.steps).toEqual(['switch:mysql_native_password', 'native']);
    const [response, switched] = connection!.received;
    expectHandshakeResponse(response!.payload, 'caching_sha2_password', expectedSha2(connection!.scramble), false);
    expect(switched!.payload.toString('hex')).toBe(expectedNative(connection!.switchScramble!).toString('hex'));
  });

  it('reports a wrong password as the server\'s ERR 1045 (fast path and full authentication)', async () => {
    for (const options of [{}, { cached: false, tlsMode: 'verify-full' as const }, { cached: false }]) {
      const error = await login({ ...options, gatewayPassword: 'wrong' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamLoginError);
      expect(error).toMatchObject({ errorCode: 1045 });
      expect((error as UpstreamLoginError).serverMessage).toMatch(/Access denied for user 'gatehouse_svc'/);
      expect(server!.connections[0]!.outcome).toBe('denied');
      await server!.close();
      server = undefined;
    }
  });

  it('never sends the password in the clear without TLS, even when the server switches to mysql_clear_password', async () => {
    const error = await login({ forceSwitchTo: 'mysql_clear_password' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamLoginError);
    expect((error as Error).message).toMatch(/mysql_clear_password over an unencrypted connection/);
    const [connection] = server!.connections;
    await connection!.done;
    expect(connection!.received).toHaveLength(1); // the HandshakeResponse41 only
    for (const packet of connection!.received) expect(packet.payload.includes(Buffer.from(PASSWORD))).toBe(false);
  });

  it('sends nothing at all when TLS is required and the server does not offer it', async () => {
    server = await startFakeMysql8({ user: USER, password: PASSWORD, rsa });
    const settings: MysqlUpstreamSettings = {
      host: '127.0.0.1',
      port: server.port,
      database: 'app',
      user: USER,
      password: PASSWORD,
      tls: { ca: cert.cert, servername: 'localhost' },
      connectTimeoutMs: 5_000,
    };
    await expect(connectUpstream(settings, { characterSet: UTF8MB4_GENERAL_CI, database: 'app' })).rejects.toThrow(/does not offer TLS/);
    await server.connections[0]!.done;
    expect(server.connections[0]!.received).toEqual([]);
  });
});
