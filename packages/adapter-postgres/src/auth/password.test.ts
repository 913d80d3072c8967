import { describe, expect, it } from 'vitest';
import { UpstreamAuthError } from '../errors.js';
import { cleartextPasswordResponse } from './cleartext.js';
import { md5PasswordResponse } from './md5.js';
import { saslprep } from './saslprep.js';

describe('md5PasswordResponse', () => {
  it("computes 'md5' + md5(md5(password + user) + salt)", () => {
    expect(md5PasswordResponse('postgres', 'postgres', Buffer.from([1, 2, 3, 4]))).toBe('md568be9ed08db75f318087ab337aaea044');
  });

  it('rejects a salt that is not 4 bytes', () => {
    expect(() => md5PasswordResponse('u', 'p', Buffer.alloc(3))).toThrow(UpstreamAuthError);
  });
});

describe('cleartextPasswordResponse', () => {
  it('sends the password only over an encrypted upstream unless explicitly allowed', () => {
    expect(cleartextPasswordResponse('pw', true)).toBe('pw');
    expect(() => cleartextPasswordResponse('pw', false)).toThrow(UpstreamAuthError);
    expect(cleartextPasswordResponse('pw', false, true)).toBe('pw');
  });
});

describe('saslprep', () => {
  it('passes ASCII through and maps/normalises the rest (RFC 4013 examples)', () => {
    expect(saslprep('pencil')).toBe('pencil');
    expect(saslprep('I\u00adX')).toBe('IX'); // soft hyphen mapped to nothing
    expect(saslprep('\u00aa')).toBe('a'); // NFKC
    expect(saslprep('\u2168')).toBe('IX'); // NFKC
    expect(saslprep('a\u00a0b')).toBe('a b'); // non-ASCII space
  });

  it('falls back to the raw password when the result is prohibited, as PostgreSQL does', () => {
    expect(saslprep('a\u0007b')).toBe('a\u0007b');
    expect(saslprep('x\ue000')).toBe('x\ue000');
  });
});
