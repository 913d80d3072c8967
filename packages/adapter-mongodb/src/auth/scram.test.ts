import { describe, expect, it } from 'vitest';
import { ScramClient } from './scram.js';
import { parsePlainPayload } from './plain.js';

describe('ScramClient', () => {
  // RFC 7677 test vector (user "user", password "pencil").
  it('computes the SCRAM-SHA-256 proof and verifies the server (RFC 7677)', () => {
    const scram = new ScramClient({ mechanism: 'SCRAM-SHA-256', username: 'user', password: 'pencil', clientNonce: 'rOprNGfwEbeRWgbNEkqO' });
    expect(scram.clientFirst().toString()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    const final = scram.clientFinal(Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'));
    expect(final.toString()).toBe('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    scram.verifyServerFinal(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='));
    expect(scram.complete).toBe(true);
  });

  it('refuses a server that does not know the password or replays the nonce', () => {
    const scram = new ScramClient({ mechanism: 'SCRAM-SHA-1', username: 'u', password: 'p', clientNonce: 'abc' });
    scram.clientFirst();
    expect(() => scram.clientFinal(Buffer.from('r=abc,s=QSXCR+Q6sek8bf92,i=4096'))).toThrow(/nonce/);
    const other = new ScramClient({ mechanism: 'SCRAM-SHA-1', username: 'u', password: 'p', clientNonce: 'abc' });
    other.clientFirst();
    other.clientFinal(Buffer.from('r=abcdef,s=QSXCR+Q6sek8bf92,i=4096'));
    expect(() => other.verifyServerFinal(Buffer.from('v=AAAA'))).toThrow(/impostor/);
  });
});

describe('PLAIN payloads', () => {
  it('reads authcid and password, refusing authzid for someone else', () => {
    expect(parsePlainPayload(Buffer.from('\0carl\0tok'))).toEqual({ user: 'carl', password: 'tok' });
    expect(parsePlainPayload(Buffer.from('carl\0carl\0tok'))).toEqual({ user: 'carl', password: 'tok' });
    expect(parsePlainPayload(Buffer.from('root\0carl\0tok'))).toBeUndefined();
    expect(parsePlainPayload(Buffer.from('carl\0tok'))).toBeUndefined();
  });
});
