import { constants, createHash, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UpstreamAuthError } from '../errors.js';
import { encodeAuthMoreData, encodeAuthSwitchRequest } from '../protocol/messages/auth.js';
import { PacketReader } from '../protocol/packet-reader.js';
import { xorScramble } from './scramble.js';
import { UpstreamAuthenticator } from './upstream-authenticator.js';

const scramble = Buffer.from('0123456789abcdefghij');
const password = 'sésame-ouvre-toi';
const sha1 = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('sha1')).digest();
const sha256 = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();
const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, i) => byte ^ b[i]!));
const payload = (packet: Buffer) => new PacketReader().push(packet)[0]!.payload;
const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

describe('UpstreamAuthenticator', () => {
  it('answers mysql_native_password so that the server check (SHA1 of the recovered stage 1) holds', () => {
    const response = new UpstreamAuthenticator({ password, encrypted: false }).initialResponse('mysql_native_password', scramble);
    const stored = sha1(sha1(Buffer.from(password)));
    const stage1 = xor(response, sha1(scramble, stored));
    expect(sha1(stage1)).toEqual(stored);
  });

  it('answers caching_sha2_password fast authentication so that the server check holds', () => {
    const response = new UpstreamAuthenticator({ password, encrypted: false }).initialResponse('caching_sha2_password', scramble);
    const stored = sha256(sha256(Buffer.from(password)));
    const stage1 = xor(response, sha256(stored, scramble));
    expect(sha256(stage1)).toEqual(stored);
  });

  it('waits after fast-auth success, and sends the cleartext password for full authentication inside TLS', () => {
    const auth = new UpstreamAuthenticator({ password, encrypted: true });
    auth.initialResponse('caching_sha2_password', scramble);
    expect(auth.next(payload(encodeAuthMoreData(Buffer.from([3]), 2)))).toEqual({ kind: 'wait' });
    expect(auth.next(payload(encodeAuthMoreData(Buffer.from([4]), 4)))).toEqual({ kind: 'send', data: Buffer.from(`${password}\0`) });
  });

  it('without TLS, requests the RSA key and sends the OAEP-encrypted password XOR scramble', () => {
    const auth = new UpstreamAuthenticator({ password, encrypted: false });
    auth.initialResponse('caching_sha2_password', scramble);
    expect(auth.next(payload(encodeAuthMoreData(Buffer.from([4]), 2)))).toEqual({ kind: 'send', data: Buffer.from([2]) });
    const step = auth.next(payload(encodeAuthMoreData(Buffer.from(keys.publicKey), 4)));
    expect(step.kind).toBe('send');
    const plain = privateDecrypt({ key: keys.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, (step as { data: Buffer }).data);
    expect(xorScramble(plain, scramble).toString()).toBe(`${password}\0`);
  });

  it('uses a configured server public key without asking for it', () => {
    const auth = new UpstreamAuthenticator({ password, encrypted: false, serverPublicKey: keys.publicKey });
    auth.initialResponse('caching_sha2_password', scramble);
    const step = auth.next(payload(encodeAuthMoreData(Buffer.from([4]), 2)));
    const plain = privateDecrypt({ key: keys.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, (step as { data: Buffer }).data);
    expect(xorScramble(plain, scramble).toString()).toBe(`${password}\0`);
  });

  it('follows an AuthSwitchRequest to another plugin with the new scramble', () => {
    const auth = new UpstreamAuthenticator({ password, encrypted: false });
    auth.initialResponse('caching_sha2_password', scramble);
    const fresh = Buffer.from('ABCDEFGHIJKLMNOPQRST');
    const step = auth.next(payload(encodeAuthSwitchRequest({ pluginName: 'mysql_native_password', pluginData: fresh }, 2)));
    expect(step).toEqual({ kind: 'send', data: new UpstreamAuthenticator({ password, encrypted: false }).initialResponse('mysql_native_password', fresh) });
    expect(auth.plugin).toBe('mysql_native_password');
  });

  it('refuses cleartext without TLS and plugins it does not implement', () => {
    expect(() => new UpstreamAuthenticator({ password, encrypted: false }).initialResponse('mysql_clear_password', scramble)).toThrow(UpstreamAuthError);
    expect(() => new UpstreamAuthenticator({ password, encrypted: true }).initialResponse('auth_gssapi_client', scramble)).toThrow(UpstreamAuthError);
  });
});
