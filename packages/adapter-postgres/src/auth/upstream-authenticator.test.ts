import { describe, expect, it } from 'vitest';
import { UpstreamAuthError, UpstreamAuthErrorCode } from '../errors.js';
import { AuthenticationType } from '../protocol/codes.js';
import { decodeBackendMessage } from '../protocol/decode.js';
import type { AuthenticationMessage } from '../protocol/messages/authentication.js';
import { decodePasswordMessage, decodeSASLInitialResponse, decodeSASLResponse, encodeAuthenticationSASLContinue } from '../protocol/messages/authentication.js';
import { backendFrame, frontendFrame } from '../testing/support.js';
import { UpstreamAuthenticator } from './upstream-authenticator.js';

const ok: AuthenticationMessage = { type: 'authentication', subtype: AuthenticationType.Ok };

function expectAuthError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamAuthError);
    expect((error as UpstreamAuthError).code).toBe(code);
    return;
  }
  throw new Error('expected an UpstreamAuthError');
}

describe('UpstreamAuthenticator', () => {
  it('answers cleartext and md5 requests', () => {
    const cleartext = new UpstreamAuthenticator({ user: 'u', password: 'pw', encrypted: true });
    const answer = cleartext.respond({ type: 'authentication', subtype: AuthenticationType.CleartextPassword })!;
    expect(decodePasswordMessage(frontendFrame(answer)).password).toBe('pw');
    expect(cleartext.respond(ok)).toBeNull();
    expect(cleartext.complete).toBe(true);

    const md5 = new UpstreamAuthenticator({ user: 'postgres', password: 'postgres', encrypted: false });
    const md5Answer = md5.respond({ type: 'authentication', subtype: AuthenticationType.MD5Password, salt: Buffer.from([1, 2, 3, 4]) })!;
    expect(decodePasswordMessage(frontendFrame(md5Answer)).password).toBe('md568be9ed08db75f318087ab337aaea044');
  });

  it('refuses cleartext over plaintext and methods not allowed', () => {
    expectAuthError(
      () => new UpstreamAuthenticator({ user: 'u', password: 'pw', encrypted: false }).respond({ type: 'authentication', subtype: AuthenticationType.CleartextPassword }),
      UpstreamAuthErrorCode.CleartextRefused,
    );
    expectAuthError(
      () => new UpstreamAuthenticator({ user: 'u', password: 'pw', encrypted: true, allowedMethods: ['scram-sha-256'] }).respond(ok),
      UpstreamAuthErrorCode.UnsupportedMethod,
    );
    expectAuthError(
      () => new UpstreamAuthenticator({ user: 'u', password: 'pw', encrypted: true }).respond({ type: 'authentication', subtype: AuthenticationType.GSS }),
      UpstreamAuthErrorCode.UnsupportedMethod,
    );
  });

  it('runs SCRAM and refuses an Ok that skips the server signature', () => {
    const auth = new UpstreamAuthenticator({ user: 'u', password: 'pencil', encrypted: true });
    const initial = decodeSASLInitialResponse(frontendFrame(auth.respond({ type: 'authentication', subtype: AuthenticationType.SASL, mechanisms: ['SCRAM-SHA-256'] })!));
    expect(initial.mechanism).toBe('SCRAM-SHA-256');
    const nonce = /r=([^,]+)$/.exec(initial.data!.toString())![1]!;
    const serverFirst = decodeBackendMessage(backendFrame(encodeAuthenticationSASLContinue(Buffer.from(`r=${nonce}srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`))));
    const final = decodeSASLResponse(frontendFrame(auth.respond(serverFirst as AuthenticationMessage)!));
    expect(final.data.toString()).toMatch(/^c=biws,r=.+srv,p=/);
    expectAuthError(() => auth.respond(ok), UpstreamAuthErrorCode.ScramServerSignature);
  });
});
