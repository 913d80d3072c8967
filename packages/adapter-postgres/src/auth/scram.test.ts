import { describe, expect, it } from 'vitest';
import { UpstreamAuthError, UpstreamAuthErrorCode } from '../errors.js';
import { ScramSha256Client, selectScramMechanism } from './scram.js';

// RFC 7677 §3 test vector.
const CLIENT_NONCE = 'rOprNGfwEbeRWgbNEkqO';
const SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
const CLIENT_FINAL = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

function rfcClient(): ScramSha256Client {
  return new ScramSha256Client({ username: 'user', password: 'pencil', clientNonce: CLIENT_NONCE });
}

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

describe('ScramSha256Client', () => {
  it('reproduces the RFC 7677 test vector and verifies the server', () => {
    const client = rfcClient();
    expect(client.mechanism).toBe('SCRAM-SHA-256');
    expect(client.clientFirstMessage()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    expect(client.clientFinalMessage(Buffer.from(SERVER_FIRST))).toBe(CLIENT_FINAL);
    expect(client.verified).toBe(false);
    client.verifyServerFinal(Buffer.from(SERVER_FINAL));
    expect(client.verified).toBe(true);
  });

  it('rejects a wrong server signature', () => {
    const client = rfcClient();
    client.clientFirstMessage();
    client.clientFinalMessage(SERVER_FIRST);
    expectAuthError(() => client.verifyServerFinal('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='), UpstreamAuthErrorCode.ScramServerSignature);
  });

  it('reports a server error and malformed server-final', () => {
    const a = rfcClient();
    a.clientFirstMessage();
    a.clientFinalMessage(SERVER_FIRST);
    expectAuthError(() => a.verifyServerFinal('e=invalid-proof'), UpstreamAuthErrorCode.ScramServerError);
    const b = rfcClient();
    b.clientFirstMessage();
    b.clientFinalMessage(SERVER_FIRST);
    expectAuthError(() => b.verifyServerFinal('x=1'), UpstreamAuthErrorCode.ScramProtocol);
  });

  it('rejects bad server-first messages', () => {
    const bad = [
      'r=someoneElsesNonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
      `r=${CLIENT_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`, // no server part
      `r=${CLIENT_NONCE}x,s=not base64!,i=4096`,
      `r=${CLIENT_NONCE}x,s=,i=4096`,
      `r=${CLIENT_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0`,
      `r=${CLIENT_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=abc`,
      `r=${CLIENT_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=2000000`, // above the default cap
      `m=ext,r=${CLIENT_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`,
      `s=W22ZaJ0SNY7soEsUEjb6gQ==,r=${CLIENT_NONCE}x,i=4096`,
      '',
    ];
    for (const serverFirst of bad) {
      const client = rfcClient();
      client.clientFirstMessage();
      expectAuthError(() => client.clientFinalMessage(serverFirst), UpstreamAuthErrorCode.ScramProtocol);
    }
  });

  it('enforces the order of steps', () => {
    const client = rfcClient();
    expectAuthError(() => client.clientFinalMessage(SERVER_FIRST), UpstreamAuthErrorCode.ScramState);
    client.clientFirstMessage();
    expectAuthError(() => client.clientFirstMessage(), UpstreamAuthErrorCode.ScramState);
    expectAuthError(() => client.verifyServerFinal(SERVER_FINAL), UpstreamAuthErrorCode.ScramState);
  });

  it('uses a random printable nonce and escapes the user name', () => {
    const first = new ScramSha256Client({ password: 'p', username: 'a=b,c' }).clientFirstMessage();
    expect(first).toMatch(/^n,,n=a=3Db=2Cc,r=[\x21-\x2b\x2d-\x7e]{24}$/);
    expect(new ScramSha256Client({ password: 'p' }).clientFirstMessage()).not.toBe(new ScramSha256Client({ password: 'p' }).clientFirstMessage());
  });

  it('binds to the channel for SCRAM-SHA-256-PLUS', () => {
    const data = Buffer.from('certificate-hash');
    const client = new ScramSha256Client({ password: 'pencil', clientNonce: CLIENT_NONCE, channelBinding: { type: 'tls-server-end-point', data } });
    expect(client.mechanism).toBe('SCRAM-SHA-256-PLUS');
    expect(client.clientFirstMessage()).toBe(`p=tls-server-end-point,,n=,r=${CLIENT_NONCE}`);
    const final = client.clientFinalMessage(SERVER_FIRST);
    const c = /^c=([^,]+),/.exec(final)![1]!;
    expect(Buffer.from(c, 'base64').toString()).toBe('p=tls-server-end-point,,certificate-hash');
  });

  it('selects a mechanism from the server list', () => {
    expect(selectScramMechanism(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'], false)).toBe('SCRAM-SHA-256');
    expect(selectScramMechanism(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'], true)).toBe('SCRAM-SHA-256-PLUS');
    expectAuthError(() => selectScramMechanism(['OAUTHBEARER'], true), UpstreamAuthErrorCode.NoSupportedMechanism);
  });
});
